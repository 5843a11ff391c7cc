using Fathom.Learner.Envs;

namespace Fathom.Grains.Specs;

/// <summary>
/// Reads an experiment spec from YAML or JSON (snake_case fields, see src/Grains/Presets/*.yaml for complete examples)
/// by <see cref="SpecSchema"/>, which holds every field's default, and validates it. Every problem is reported at once
/// in a <see cref="SpecException"/>.
/// </summary>
public static class SpecLoader
{
    /// <summary>A preset name (see <see cref="Presets"/>) or the path of a .yaml/.yml/.json file.</summary>
    public static ExperimentSpec Resolve(string presetOrPath) =>
        Presets.Names.Contains(presetOrPath) ? Presets.Load(presetOrPath) : LoadFile(presetOrPath);

    /// <summary>Largest spec file read, so that no file can exhaust the client's memory or time.</summary>
    public const long MaxFileBytes = 1 << 20;

    public static ExperimentSpec LoadFile(string path)
    {
        if (!File.Exists(path))
            throw new SpecException([$"spec: no preset or file named '{path}' (presets: {string.Join(", ", Presets.Names)})"]);
        var bytes = new FileInfo(path).Length;
        if (bytes > MaxFileBytes)
            throw new SpecException([$"spec: the file must be at most {MaxFileBytes} bytes; a spec is a few kB (got '{path}' of {bytes} bytes)"]);
        var text = File.ReadAllText(path);
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ParseJson(text) : ParseYaml(text);
    }

    public static ExperimentSpec ParseYaml(string text) => Parse(errors => SpecNode.FromYaml(text, errors));

    public static ExperimentSpec ParseJson(string text) => Parse(errors => SpecNode.FromJson(text, errors));

    /// <summary>
    /// The paths of the fields the loader accepts that <paramref name="yaml"/> leaves out, so that their defaults apply
    /// (e.g. learners[0].gamma). Empty for a spec written with every field explicit.
    /// </summary>
    public static IReadOnlyList<string> FieldsLeftOut(string yaml)
    {
        SpecNode? root = null;
        Parse(errors => root = SpecNode.FromYaml(yaml, errors));
        return root!.FieldsLeftOut().ToArray();
    }

    private static ExperimentSpec Parse(Func<List<string>, SpecNode> read)
    {
        var errors = new List<string>();
        SpecNode root;
        try
        {
            root = read(errors);
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or System.Text.Json.JsonException or InvalidCastException)
        {
            throw new SpecException([$"(document): not a valid spec document: {e.Message}"]);
        }
        var spec = WithLayoutFilesRead(SpecSchema.Read(root));
        root.ReportUnknownFields();
        // A field that did not read took its default; the validator's word on it (or on what lies below it) would only repeat the error.
        var unread = errors.Select(PathOf).ToArray();
        errors.AddRange(SpecValidator.Validate(spec).Where(error => !unread.Any(path => Covers(path, PathOf(error)))));
        if (errors.Count > 0) throw new SpecException(errors);
        return spec;
    }

    /// <summary>
    /// The spec with each layout file it names replaced by the maze it holds, so that the spec carries its mazes to the
    /// silos (which do not have the client's files) and into the run's folder. A file that is too large or does not
    /// parse stays a path, for the validator to name it.
    /// </summary>
    private static ExperimentSpec WithLayoutFilesRead(ExperimentSpec spec)
    {
        static string Read(string layout)
        {
            if (SpecValidator.BuiltInLayouts.Contains(layout) || MazeLayout.IsText(layout) || layout.Length == 0 || !File.Exists(layout)) return layout;
            try
            {
                if (new FileInfo(layout).Length > SpecValidator.MaxLayoutFileBytes) return layout;
                var text = File.ReadAllText(layout);
                MazeLayout.Parse(text);
                return MazeLayout.IsText(text) ? text : layout;
            }
            catch (Exception e) when (e is ArgumentException or IOException or UnauthorizedAccessException)
            {
                return layout;
            }
        }
        var environment = spec.Environment;
        return spec with { Environment = environment with { TrainLayout = Read(environment.TrainLayout), EvalLayout = Read(environment.EvalLayout) } };
    }

    private static string PathOf(string error) => error[..Math.Max(0, error.IndexOf(": ", StringComparison.Ordinal))];

    private static bool Covers(string path, string inner) =>
        path == "(document)" || inner == path || inner.StartsWith(path + ".", StringComparison.Ordinal) || inner.StartsWith(path + "[", StringComparison.Ordinal);
}
