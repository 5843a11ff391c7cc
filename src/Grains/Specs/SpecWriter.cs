using System.Text;

namespace Fathom.Grains.Specs;

/// <summary>
/// Writes a spec back as YAML by the same schema the loader reads by (<see cref="SpecSchema"/>), every field explicit,
/// so results/&lt;run&gt;/spec.yaml is exactly what ran, including a sweep's depth and seed, and <c>fathom resume</c>
/// or <c>fathom run results/&lt;run&gt;/spec.yaml</c> reads it back unchanged.
/// </summary>
public static class SpecWriter
{
    public static string Write(ExperimentSpec spec)
    {
        var yaml = new SpecYamlWriter(spec);
        foreach (var field in SpecSchema.Fields) field.Write(yaml, spec);
        return yaml.ToString();
    }
}

/// <summary>
/// The YAML layout of a written spec: one field a line, sections indented, list items as "- " blocks, and a section
/// inside a list item on one line ({ depth: 4, width: 256 }).
/// </summary>
internal sealed class SpecYamlWriter(ExperimentSpec spec)
{
    private readonly StringBuilder _text = new();
    private string _indent = "";
    private string? _itemStart; // the "- " prefix still owed to the first line of a list item
    private List<string>? _flow; // fields of a one-line section being gathered

    /// <summary>The spec being written, for comments that depend on other fields.</summary>
    public ExperimentSpec Spec => spec;

    public void Scalar(string name, string value)
    {
        if (_flow is not null) _flow.Add($"{name}: {value}");
        else Line($"{name}: {value}");
    }

    /// <summary>A comment line; dropped inside a one-line section, which cannot hold one.</summary>
    public void Comment(string text)
    {
        if (_flow is null) _text.Append(_indent).Append("# ").AppendLine(text);
    }

    public void Section(string name, Action writeFields)
    {
        if (InItem)
        {
            _flow = [];
            writeFields();
            var fields = _flow;
            _flow = null;
            Line($"{name}: {{ {string.Join(", ", fields)} }}");
            return;
        }
        Line($"{name}:");
        Indented("  ", writeFields);
    }

    public void Sequence(string name, int count, Action<int> writeItem)
    {
        if (count == 0)
        {
            Line($"{name}: []");
            return;
        }
        Line($"{name}:");
        for (var i = 0; i < count; i++)
        {
            var item = i;
            _itemStart = _indent + "  - ";
            var wasInItem = InItem;
            InItem = true;
            Indented("    ", () => writeItem(item));
            InItem = wasInItem;
            _itemStart = null;
        }
    }

    public override string ToString() => _text.ToString();

    /// <summary>Whether the fields being written belong to a list item (whose sections go on one line).</summary>
    private bool InItem { get; set; }

    private void Indented(string by, Action write)
    {
        var outer = _indent;
        _indent += by;
        write();
        _indent = outer;
    }

    private void Line(string text)
    {
        _text.Append(_itemStart ?? _indent).AppendLine(text);
        _itemStart = null;
    }
}
