using System.Text.Json;
using YamlDotNet.RepresentationModel;

namespace Fathom.Grains.Specs;

/// <summary>
/// A format-neutral view of a parsed spec document (YAML or JSON): a mapping, a sequence or a scalar, each knowing its
/// path so that every error can name the field. The schema (<see cref="SpecSchema"/>) reads it; errors are recorded
/// instead of thrown, so that all of them are reported at once; fields that were never read are reported as unknown.
/// </summary>
internal sealed class SpecNode
{
    private readonly Dictionary<string, SpecNode>? _fields;
    private readonly List<SpecNode>? _items;
    private readonly string? _scalar;
    private readonly HashSet<string> _read = [];
    private readonly List<string> _errors;
    private bool _notAMappingReported;

    public string Path { get; }

    private SpecNode(string path, List<string> errors, Dictionary<string, SpecNode>? fields, List<SpecNode>? items, string? scalar)
    {
        Path = path;
        _errors = errors;
        _fields = fields;
        _items = items;
        _scalar = scalar;
    }

    public static SpecNode FromYaml(string text, List<string> errors)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        if (stream.Documents.Count == 0) return FromYaml(new YamlMappingNode(), "", errors);
        return FromYaml(stream.Documents[0].RootNode, "", errors);
    }

    public static SpecNode FromJson(string text, List<string> errors)
    {
        using var document = JsonDocument.Parse(text);
        return FromJson(document.RootElement, "", errors);
    }

    private static SpecNode FromYaml(YamlNode node, string path, List<string> errors) => node switch
    {
        YamlMappingNode map => new SpecNode(path, errors,
            map.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value ?? "", kv => FromYaml(kv.Value, SpecFields.Path(path, ((YamlScalarNode)kv.Key).Value ?? ""), errors)), null, null),
        YamlSequenceNode seq => new SpecNode(path, errors, null, seq.Children.Select((c, i) => FromYaml(c, $"{path}[{i}]", errors)).ToList(), null),
        YamlScalarNode scalar => new SpecNode(path, errors, null, null, scalar.Value ?? ""),
        _ => throw new FormatException($"{Display(path)}: unsupported YAML node {node.NodeType}"),
    };

    private static SpecNode FromJson(JsonElement element, string path, List<string> errors) => element.ValueKind switch
    {
        JsonValueKind.Object => new SpecNode(path, errors,
            element.EnumerateObject().ToDictionary(p => p.Name, p => FromJson(p.Value, SpecFields.Path(path, p.Name), errors)), null, null),
        JsonValueKind.Array => new SpecNode(path, errors, null, element.EnumerateArray().Select((e, i) => FromJson(e, $"{path}[{i}]", errors)).ToList(), null),
        JsonValueKind.String => new SpecNode(path, errors, null, null, element.GetString() ?? ""),
        _ => new SpecNode(path, errors, null, null, element.GetRawText()),
    };

    private static string Display(string path) => path.Length == 0 ? "(document)" : path;

    private void Error(string path, string message) => _errors.Add($"{Display(path)}: {message}");

    /// <summary>The mapping field <paramref name="name"/>, or null if absent (an error if <paramref name="required"/>).</summary>
    public SpecNode? Field(string name, bool required = false)
    {
        if (_fields is null)
        {
            if (!_notAMappingReported) Error(Path, "must be a mapping of fields");
            _notAMappingReported = true;
            return null;
        }
        _read.Add(name);
        if (_fields.TryGetValue(name, out var node)) return node;
        if (required) Error(SpecFields.Path(Path, name), "is required");
        return null;
    }

    /// <summary>The items of a sequence (an error, and no items, if this node is not one).</summary>
    public IReadOnlyList<SpecNode> Items()
    {
        if (_items is not null) return _items;
        Error(Path, "must be a list");
        return [];
    }

    /// <summary>Reports every field of this mapping (and of the mappings below it) that nothing read.</summary>
    public void ReportUnknownFields()
    {
        if (_fields is not null)
        {
            foreach (var (name, node) in _fields)
            {
                if (!_read.Contains(name))
                    Error(SpecFields.Path(Path, name), $"unknown field (allowed: {string.Join(", ", _read.Order())})");
                else
                    node.ReportUnknownFields();
            }
        }
        foreach (var item in _items ?? []) item.ReportUnknownFields();
    }

    /// <summary>The text of this node if it is a scalar, else null.</summary>
    public string? Scalar => _scalar;

    /// <summary>Records an error about this node: "&lt;path&gt;: &lt;message&gt;".</summary>
    public void Error(string message) => Error(Path, message);

    /// <summary>The paths of the fields that were read but that the document leaves out, in this node and below.</summary>
    public IEnumerable<string> FieldsLeftOut()
    {
        foreach (var name in _read.Order())
        {
            if (_fields is null || !_fields.TryGetValue(name, out var node)) yield return SpecFields.Path(Path, name);
            else foreach (var path in node.FieldsLeftOut()) yield return path;
        }
        foreach (var item in _items ?? [])
            foreach (var path in item.FieldsLeftOut()) yield return path;
    }
}
