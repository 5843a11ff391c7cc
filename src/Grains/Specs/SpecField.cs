namespace Fathom.Grains.Specs;

/// <summary>
/// One field of a spec record <typeparamref name="T"/>, declared once in <see cref="SpecSchema"/>: how it is read
/// from a parsed document, written back as YAML, checked (a spec may also be built in code) and listed for tests.
/// </summary>
internal interface ISpecField<T>
{
    string Name { get; }

    /// <summary>What the field means, in a line.</summary>
    string Doc { get; }

    /// <summary><paramref name="record"/> with this field read from <paramref name="parent"/> (a mapping; null when its section is absent).</summary>
    T Read(SpecNode? parent, T record);

    void Write(SpecYamlWriter yaml, T record);

    /// <summary>Adds "&lt;path&gt;: must be &lt;allowed&gt; (got &lt;value&gt;)" for a value this field does not allow.</summary>
    void Check(T record, string parentPath, List<string> errors);

    /// <summary>Every leaf at and below this field as (path, value shown as an error shows it).</summary>
    IEnumerable<(string Path, string Value)> Leaves(T record, string parentPath);
}

/// <summary>Reading, writing and checking a record by its fields, and field paths.</summary>
internal static class SpecFields
{
    public static T Read<T>(IReadOnlyList<ISpecField<T>> fields, SpecNode? node, T start) =>
        fields.Aggregate(start, (record, field) => field.Read(node, record));

    public static string Path(string parent, string name) => parent.Length == 0 ? name : $"{parent}.{name}";
}

/// <summary>
/// A scalar field of kind <typeparamref name="V"/>. Left out, it takes <paramref name="fallback"/>; a field with
/// <see cref="LeftOut"/> is optional (null when left out) and the writer leaves a null out too, saying in a comment
/// what applies instead, since no value spells it.
/// </summary>
internal sealed class ScalarField<T, V>(string name, SpecKind<V> kind, Func<T, V> get, Func<T, V, T> set, V fallback, string doc) : ISpecField<T>
{
    public string Name => name;
    public string Doc => doc;

    /// <summary>A required field has no default: leaving it out is an error.</summary>
    public bool Required { get; init; }

    public SpecRule<V>? Rule { get; init; }

    /// <summary>Said before "got" in an error, e.g. "paper 0.99".</summary>
    public string? Note { get; init; }

    /// <summary>For an optional field: what applies when it is left out, given the record and the whole spec.</summary>
    public Func<T, ExperimentSpec, string>? LeftOut { get; init; }

    public T Read(SpecNode? parent, T record)
    {
        var node = parent?.Field(name, Required);
        if (node is null) return set(record, fallback);
        if (node.Scalar is { } text && kind.TryParse(text, out var value)) return set(record, value);
        node.Error($"must be {kind.Expected(Rule?.Allowed)} (got {node.Scalar ?? "a non-scalar"})");
        return set(record, fallback);
    }

    public void Write(SpecYamlWriter yaml, T record)
    {
        var value = get(record);
        if (value is null && LeftOut is not null) yaml.Comment($"{name}: left out, so {LeftOut(record, yaml.Spec)}");
        else yaml.Scalar(name, kind.Write(value));
    }

    public void Check(T record, string parentPath, List<string> errors)
    {
        var value = get(record);
        if ((value is null && LeftOut is not null) || (kind.IsValid(value) && (Rule?.Allows(value) ?? true))) return;
        errors.Add($"{SpecFields.Path(parentPath, name)}: must be {Rule?.Allowed ?? kind.Type} ({(Note is null ? "" : Note + "; ")}got {kind.Show(value)})");
    }

    public IEnumerable<(string Path, string Value)> Leaves(T record, string parentPath)
    {
        var value = get(record);
        yield return (SpecFields.Path(parentPath, name), value is null ? "(left out)" : kind.Show(value));
    }
}

/// <summary>
/// A mapping of fields that fill record <typeparamref name="C"/>, reached through <paramref name="get"/> and
/// <paramref name="set"/>. Reading starts from <paramref name="start"/>: a blank record for a nested record, or the
/// record itself for a section that only groups fields of its parent (budget, checkpoint). Left out, every field
/// takes its default.
/// </summary>
internal sealed class SectionField<T, C>(string name, Func<T, C> get, Func<T, C, T> set, Func<T, C> start, IReadOnlyList<ISpecField<C>> fields, string doc)
    : ISpecField<T>
{
    public string Name => name;
    public string Doc => doc;
    public bool Required { get; init; }

    public T Read(SpecNode? parent, T record) => set(record, SpecFields.Read(fields, parent?.Field(name, Required), start(record)));

    public void Write(SpecYamlWriter yaml, T record) => yaml.Section(name, () =>
    {
        foreach (var field in fields) field.Write(yaml, get(record));
    });

    public void Check(T record, string parentPath, List<string> errors)
    {
        foreach (var field in fields) field.Check(get(record), SpecFields.Path(parentPath, name), errors);
    }

    public IEnumerable<(string Path, string Value)> Leaves(T record, string parentPath) =>
        fields.SelectMany(field => field.Leaves(get(record), SpecFields.Path(parentPath, name)));
}

/// <summary>A list of mappings, each filling a record <typeparamref name="I"/> from <paramref name="blank"/>; <paramref name="item"/> names one in an error.</summary>
internal sealed class ListField<T, I>(string name, Func<T, I[]> get, Func<T, I[], T> set, I blank, IReadOnlyList<ISpecField<I>> fields, string item, string doc)
    : ISpecField<T>
{
    public string Name => name;
    public string Doc => doc;
    public bool Required { get; init; }

    public T Read(SpecNode? parent, T record) =>
        set(record, [.. (parent?.Field(name, Required)?.Items() ?? []).Select(node => SpecFields.Read(fields, node, blank))]);

    public void Write(SpecYamlWriter yaml, T record)
    {
        var items = get(record);
        yaml.Sequence(name, items.Length, i =>
        {
            foreach (var field in fields) field.Write(yaml, items[i]);
        });
    }

    public void Check(T record, string parentPath, List<string> errors)
    {
        var items = get(record);
        var path = SpecFields.Path(parentPath, name);
        if (items.Length == 0) errors.Add($"{path}: must list at least one {item}");
        for (var i = 0; i < items.Length; i++)
            foreach (var field in fields) field.Check(items[i], $"{path}[{i}]", errors);
    }

    public IEnumerable<(string Path, string Value)> Leaves(T record, string parentPath) =>
        get(record).SelectMany((value, i) => fields.SelectMany(field => field.Leaves(value, $"{SpecFields.Path(parentPath, name)}[{i}]")));
}

/// <summary>
/// Two alternative fields of which a record gives exactly one (a collector group's count or per_silo).
/// <paramref name="usual"/> keeps its default when both are left out; <paramref name="alternative"/>, when given,
/// stands in for it (its setter clears the usual one, whose getter then yields null and is written as a comment).
/// Given both, the document is refused at the alternative with <paramref name="bothGiven"/>(usual text, alternative
/// text), whatever the values (a record cannot tell count 0 given from count left out), and both are kept, so that a
/// record built in code with both is refused by <see cref="SpecValidator"/> in the same words. Each is checked by its own
/// rule and written by itself, the one the record takes (<paramref name="takesAlternative"/>) first, so that a list item
/// starts with a value.
/// </summary>
internal sealed class OneOfField<T>(ISpecField<T> usual, ISpecField<T> alternative, Func<T, bool> takesAlternative, Func<string, string, string> bothGiven)
    : ISpecField<T>
{
    public string Name => usual.Name;
    public string Doc => $"{usual.Doc}; or {alternative.Name}: {alternative.Doc}";

    public T Read(SpecNode? parent, T record)
    {
        if (parent?.Field(usual.Name) is { } given && parent.Field(alternative.Name) is { } other)
        {
            other.Error(bothGiven(given.Scalar ?? "a non-scalar", other.Scalar ?? "a non-scalar"));
            return usual.Read(parent, alternative.Read(parent, record));
        }
        return alternative.Read(parent, usual.Read(parent, record));
    }

    public void Write(SpecYamlWriter yaml, T record)
    {
        var (first, second) = takesAlternative(record) ? (alternative, usual) : (usual, alternative);
        first.Write(yaml, record);
        second.Write(yaml, record);
    }

    public void Check(T record, string parentPath, List<string> errors)
    {
        usual.Check(record, parentPath, errors);
        alternative.Check(record, parentPath, errors);
    }

    public IEnumerable<(string Path, string Value)> Leaves(T record, string parentPath) =>
        usual.Leaves(record, parentPath).Concat(alternative.Leaves(record, parentPath));
}
