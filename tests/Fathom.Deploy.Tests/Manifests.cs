using System.Text.Json.Nodes;

namespace Fathom.Deploy.Tests;

/// <summary>Renders the chart with the real helm binary and looks objects up in a render.</summary>
public static class Manifests
{
    public const string Release = "fathom";
    public const string Namespace = "fathom";

    /// <summary>helm template of helm/fathom; extra arguments such as "-f", values or "--set", "k=v".</summary>
    public static Tools.Result Render(params string[] extra) =>
        Tools.Run("helm", ["template", Release, Repo.Chart, "--namespace", Namespace, .. extra]);

    /// <summary>Renders and fails with helm's message when it does not succeed.</summary>
    public static string RenderOrFail(params string[] extra)
    {
        var result = Render(extra);
        Assert.True(result.ExitCode == 0, $"helm template failed:\n{result.Output}");
        return result.Stdout;
    }

    /// <summary>Writes text to a fresh temporary file (the caller's render, for tools that read files).</summary>
    public static string WriteTemp(string text, string name = "render.yaml")
    {
        var dir = ScratchFolder.Create("fathom-deploy");
        var path = Path.Combine(dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    public static string Key(JsonObject o) => $"{o["kind"]}/{o["metadata"]?["name"]}";

    public static JsonObject Single(IEnumerable<JsonObject> objects, string kind, string name) =>
        objects.Single(o => (string?)o["kind"] == kind && (string?)o["metadata"]?["name"] == name);

    /// <summary>The env entries of a Deployment's first container, by name.</summary>
    public static Dictionary<string, JsonObject> Env(JsonObject deployment) =>
        deployment["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray()
            .Select(e => e!.AsObject())
            .ToDictionary(e => (string)e["name"]!);
}
