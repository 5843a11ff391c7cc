using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Fathom.Deploy.Tests;

/// <summary>
/// Fathom has one version, set once as &lt;Version&gt; in Directory.Build.props (assemblies, the tool package,
/// <c>fathom --version</c>). YAML cannot read MSBuild properties, so the chart, the image tags and the version labels
/// repeat it; these checks fail when any of them differs.
/// </summary>
public partial class VersionTests
{
    /// <summary>The images Fathom builds: a tag is the version (CPU) or the version with "-cuda" (GPU).</summary>
    private const string Image = "fathom/fathom";

    public static string ProjectVersion()
    {
        var props = XDocument.Load(Path.Combine(Repo.Root, "Directory.Build.props"));
        var versions = props.Descendants("Version").Select(v => v.Value.Trim()).ToList();
        Assert.True(versions.Count == 1, $"Directory.Build.props must set <Version> exactly once (found {versions.Count})");
        Assert.Matches(@"^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$", versions[0]);
        return versions[0];
    }

    private static bool IsImageTag(string tag, string version) => tag == version || tag == $"{version}-cuda";

    [Fact]
    public void Chart_version_and_app_version_are_the_project_version()
    {
        var version = ProjectVersion();
        var chart = Yaml.Documents(File.ReadAllText(Path.Combine(Repo.Chart, "Chart.yaml"))).Single();
        foreach (var field in new[] { "version", "appVersion" })
        {
            Assert.True((string?)chart[field] == version, $"helm/fathom/Chart.yaml {field} is '{chart[field]}'; the project version is {version} (Directory.Build.props)");
        }
    }

    [Fact]
    public void Chart_values_tag_every_fathom_image_with_the_project_version()
    {
        var version = ProjectVersion();
        var values = Yaml.Documents(File.ReadAllText(Path.Combine(Repo.Chart, "values.yaml"))).Single();
        var images = Objects(values).Where(o => o["repository"] is not null && o["tag"] is not null).ToList();
        var fathom = images.Where(o => (string?)o["repository"] == Image).ToList();
        Assert.True(fathom.Count >= 2, $"helm/fathom/values.yaml should give the collector and learner images ({Image}); found {fathom.Count}");
        foreach (var image in fathom)
        {
            var tag = (string)image["tag"]!;
            Assert.True(IsImageTag(tag, version), $"helm/fathom/values.yaml tags {Image} '{tag}'; the project version is {version} (Directory.Build.props): use '{version}' or '{version}-cuda'");
        }
    }

    [Fact]
    public void Deploy_k8s_labels_and_images_carry_the_project_version()
    {
        var version = ProjectVersion();
        var labels = 0;
        var images = 0;
        foreach (var file in Repo.K8sManifests())
        {
            var name = Path.GetFileName(file);
            foreach (var node in Yaml.Documents(File.ReadAllText(file)).SelectMany(Objects))
            {
                if (node["app.kubernetes.io/version"] is { } label)
                {
                    labels++;
                    Assert.True((string?)label == version, $"deploy/k8s/{name}: app.kubernetes.io/version is '{label}'; the project version is {version} (run deploy/k8s/generate.sh)");
                }
                if ((string?)node["image"] is { } image && image.StartsWith(Image + ":", StringComparison.Ordinal))
                {
                    images++;
                    var tag = image[(Image.Length + 1)..];
                    Assert.True(IsImageTag(tag, version), $"deploy/k8s/{name}: image {image}; the project version is {version} (run deploy/k8s/generate.sh)");
                }
            }
        }
        Assert.True(labels > 0, "no app.kubernetes.io/version label found in deploy/k8s");
        Assert.True(images >= 2, $"expected the collector and learner images ({Image}) in deploy/k8s, found {images}");
    }

    [Fact]
    public void Build_commands_in_the_docs_tag_images_with_the_project_version()
    {
        var version = ProjectVersion();
        foreach (var file in new[] { "README.md", Path.Combine("deploy", "docker", "Dockerfile") })
        {
            var tags = ImageTag().Matches(File.ReadAllText(Path.Combine(Repo.Root, file))).Select(m => m.Groups["tag"].Value).ToList();
            Assert.NotEmpty(tags);
            Assert.All(tags, tag => Assert.True(IsImageTag(tag, version), $"{file} tags an image fathom:{tag}; the project version is {version}"));
        }
    }

    [Fact]
    public void Tags_other_than_the_version_are_refused()
    {
        // The rule the checks above apply, on either side of the version.
        Assert.True(IsImageTag("1.2.3", "1.2.3"));
        Assert.True(IsImageTag("1.2.3-cuda", "1.2.3"));
        Assert.False(IsImageTag("1.2.30", "1.2.3"));
        Assert.False(IsImageTag("1.2.2-cuda", "1.2.3"));
        Assert.False(IsImageTag("latest", "1.2.3"));
    }

    /// <summary>Every object of a JSON tree, the root included.</summary>
    private static IEnumerable<JsonObject> Objects(JsonNode? node) => node switch
    {
        JsonObject o => o.Select(p => p.Value).SelectMany(Objects).Prepend(o),
        JsonArray a => a.SelectMany(Objects),
        _ => [],
    };

    /// <summary>An image reference to Fathom's own image in a build or push command: "fathom:&lt;tag&gt;".</summary>
    [GeneratedRegex(@"\bfathom:(?<tag>[0-9][0-9A-Za-z.\-]*[0-9A-Za-z])")]
    private static partial Regex ImageTag();
}
