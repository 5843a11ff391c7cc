namespace Fathom.Grains.Specs;

/// <summary>
/// The one home of the run-name rule. A run name prefixes every store key and grain key of the run and names its
/// folder under results/, so it holds no path separators and no glob characters (the stores' SCAN patterns), and it
/// starts with a letter or digit (never "." or "..", never mistaken for an option).
/// </summary>
public static class RunNames
{
    public const int MaxLength = 64;

    /// <summary>What the rule allows, in the words every error uses.</summary>
    public const string Allowed = "1-64 characters of A-Z, a-z, 0-9, '.', '_' or '-', starting with a letter or digit";

    /// <summary>Longest spec-name part of a <see cref="Default"/> name: room is left for a sweep's runs and resumed segments (name.d64-s2.resume3).</summary>
    private const int DefaultStemLength = 24;

    public static bool IsValid(string? name) =>
        name is { Length: >= 1 and <= MaxLength } && char.IsAsciiLetterOrDigit(name[0])
        && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    /// <summary>The error for a name that breaks the rule: "must be ... (got 'name')".</summary>
    public static string Problem(string? name) => $"must be {Allowed} (got '{name}')";

    /// <summary>Throws <see cref="ArgumentException"/> naming <paramref name="what"/> (e.g. "run") unless <paramref name="name"/> is valid.</summary>
    public static string ThrowIfInvalid(string? name, string what) =>
        IsValid(name) ? name! : throw new ArgumentException($"{what} name {Problem(name)}", what);

    /// <summary>
    /// A run name from the spec's name and the start time, e.g. quickstart-20261125-164800; always valid. Characters
    /// outside A-Z, a-z, 0-9, '_' and '-' become '-' ('.' too, since a dot marks sweep runs and resumed segments).
    /// </summary>
    public static string Default(string specName, DateTime utcNow)
    {
        var safe = new string(specName.Select(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' ? c : '-').ToArray());
        var stem = safe.TrimStart('-', '_');
        stem = stem[..Math.Min(stem.Length, DefaultStemLength)].TrimEnd('-');
        return $"{(stem.Length == 0 ? "run" : stem)}-{utcNow:yyyyMMdd-HHmmss}";
    }
}
