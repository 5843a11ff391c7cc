namespace Fathom.Grains.Specs;

/// <summary>The experiment presets shipped as YAML files next to this class (embedded in the assembly).</summary>
public static class Presets
{
    private const string Prefix = "Fathom.Grains.Presets.";

    public static readonly IReadOnlyList<string> Names =
        typeof(Presets).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(Prefix, StringComparison.Ordinal) && n.EndsWith(".yaml", StringComparison.Ordinal))
            .Select(n => n[Prefix.Length..^".yaml".Length])
            .Order()
            .ToArray();

    /// <summary>The YAML text of a preset, e.g. to write it out as a starting point for a user's own spec.</summary>
    public static string Text(string name)
    {
        using var stream = typeof(Presets).Assembly.GetManifestResourceStream(Prefix + name + ".yaml")
            ?? throw new ArgumentException($"unknown preset '{name}' (allowed: {string.Join(", ", Names)})", nameof(name));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static ExperimentSpec Load(string name) => SpecLoader.ParseYaml(Text(name));
}
