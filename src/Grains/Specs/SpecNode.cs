using System.Text.Json;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

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

    /// <summary>Deepest nesting a YAML spec may have; a spec nests four levels, and a deeper document could exhaust the stack.</summary>
    private const int MaxYamlDepth = 16;

    /// <summary>
    /// Reads YAML event by event, so that a key given twice is named by its path, a second document is refused, and
    /// aliases (which could expand a small document into an enormous one) and deep nesting are refused.
    /// </summary>
    public static SpecNode FromYaml(string text, List<string> errors)
    {
        var parser = new Parser(new StringReader(text));
        parser.Consume<StreamStart>();
        if (parser.TryConsume<StreamEnd>(out _)) return new SpecNode("", errors, [], null, null);
        parser.Consume<DocumentStart>();
        var root = FromYaml(parser, "", 0, errors);
        parser.Consume<DocumentEnd>();
        var documents = 1;
        while (parser.TryConsume<DocumentStart>(out _))
        {
            documents++;
            parser.SkipThisAndNestedEvents();
            parser.Consume<DocumentEnd>();
        }
        if (documents > 1)
            errors.Add($"(document): holds {documents} YAML documents (separated by '---'); a spec is exactly one, so remove the others");
        return root;
    }

    public static SpecNode FromJson(string text, List<string> errors)
    {
        using var document = JsonDocument.Parse(text);
        return FromJson(document.RootElement, "", errors);
    }

    private static SpecNode FromYaml(IParser parser, string path, int depth, List<string> errors)
    {
        if (parser.Accept<AnchorAlias>(out var alias))
            throw new YamlException(alias.Start, alias.End, $"{Display(path)}: aliases (*{alias.Value}) are not allowed in a spec; write the value out");
        if (depth > MaxYamlDepth)
            throw new YamlException(parser.Current!.Start, parser.Current.End, $"{Display(path)}: nested deeper than {MaxYamlDepth} levels");
        if (parser.TryConsume<Scalar>(out var scalar)) return new SpecNode(path, errors, null, null, scalar.Value);
        if (parser.TryConsume<SequenceStart>(out _))
        {
            var items = new List<SpecNode>();
            while (!parser.TryConsume<SequenceEnd>(out _)) items.Add(FromYaml(parser, $"{path}[{items.Count}]", depth + 1, errors));
            return new SpecNode(path, errors, null, items, null);
        }
        parser.Consume<MappingStart>();
        var fields = new Dictionary<string, SpecNode>();
        while (!parser.TryConsume<MappingEnd>(out _))
        {
            var key = parser.Consume<Scalar>().Value;
            var child = SpecFields.Path(path, key);
            AddField(fields, key, FromYaml(parser, child, depth + 1, errors), errors);
        }
        return new SpecNode(path, errors, fields, null, null);
    }

    private static SpecNode FromJson(JsonElement element, string path, List<string> errors)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var fields = new Dictionary<string, SpecNode>();
                foreach (var property in element.EnumerateObject())
                    AddField(fields, property.Name, FromJson(property.Value, SpecFields.Path(path, property.Name), errors), errors);
                return new SpecNode(path, errors, fields, null, null);
            case JsonValueKind.Array:
                return new SpecNode(path, errors, null, element.EnumerateArray().Select((e, i) => FromJson(e, $"{path}[{i}]", errors)).ToList(), null);
            case JsonValueKind.String:
                return new SpecNode(path, errors, null, null, element.GetString() ?? "");
            default:
                return new SpecNode(path, errors, null, null, element.GetRawText());
        }
    }

    /// <summary>Adds a mapping's field; a key given twice is an error (which of the two applies would be a guess), the first kept.</summary>
    private static void AddField(Dictionary<string, SpecNode> fields, string key, SpecNode node, List<string> errors)
    {
        if (!fields.TryAdd(key, node)) errors.Add($"{Display(node.Path)}: is given more than once; give each field once");
    }

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
