using System.Globalization;
using System.Text;

namespace Fathom.Client.Results;

/// <summary>
/// A CSV file as a header and rows of strings (RFC 4180 quoting, invariant culture numbers).
/// Every results file goes through this one reader and writer, so a plot redrawn by
/// <c>fathom report</c> sees exactly what the run wrote.
/// </summary>
public sealed class CsvTable
{
    public IReadOnlyList<string> Columns { get; }
    public List<string[]> Rows { get; } = [];

    public CsvTable(IReadOnlyList<string> columns) => Columns = columns;

    public void Add(params object[] values)
    {
        if (values.Length != Columns.Count)
            throw new ArgumentException($"a row of {values.Length} values for {Columns.Count} columns ({string.Join(",", Columns)})", nameof(values));
        Rows.Add(values.Select(Format).ToArray());
    }

    /// <summary>The value of <paramref name="column"/> in <paramref name="row"/>.</summary>
    public string Get(string[] row, string column) => row[IndexOf(column)];

    public double GetDouble(string[] row, string column)
    {
        var text = Get(row, column);
        return text.Length == 0 ? double.NaN : double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
    }

    public long GetLong(string[] row, string column) => long.Parse(Get(row, column), NumberStyles.Integer, CultureInfo.InvariantCulture);

    public int IndexOf(string column)
    {
        for (var i = 0; i < Columns.Count; i++)
            if (Columns[i] == column) return i;
        throw new FormatException($"column '{column}' missing; the file has: {string.Join(",", Columns)}");
    }

    /// <summary>Fails unless the header is exactly <paramref name="expected"/>, naming the difference.</summary>
    public CsvTable Expect(IReadOnlyList<string> expected, string path)
    {
        if (!Columns.SequenceEqual(expected))
            throw new FormatException($"{path}: columns are '{string.Join(",", Columns)}', expected '{string.Join(",", expected)}'");
        return this;
    }

    /// <summary>Writes the whole file through a temporary file and a rename, so a reader or a crash never sees half of it.</summary>
    public void Write(string path)
    {
        var text = new StringBuilder();
        text.AppendJoin(',', Columns.Select(Quote)).Append('\n');
        foreach (var row in Rows) text.AppendJoin(',', row.Select(Quote)).Append('\n');
        var temporary = $"{path}.{Environment.ProcessId}.tmp";
        File.WriteAllText(temporary, text.ToString());
        File.Move(temporary, path, overwrite: true);
    }

    /// <summary>Appends rows to a file, writing the header first when the file is new (live metrics).</summary>
    public static void Append(string path, IReadOnlyList<string> columns, IEnumerable<object[]> rows)
    {
        var text = new StringBuilder();
        if (!File.Exists(path)) text.AppendJoin(',', columns.Select(Quote)).Append('\n');
        foreach (var row in rows)
        {
            if (row.Length != columns.Count) throw new ArgumentException($"a row of {row.Length} values for {columns.Count} columns", nameof(rows));
            text.AppendJoin(',', row.Select(v => Quote(Format(v)))).Append('\n');
        }
        File.AppendAllText(path, text.ToString());
    }

    public static CsvTable Read(string path)
    {
        var records = Parse(File.ReadAllText(path));
        if (records.Count == 0) throw new FormatException($"{path}: empty file, expected a header line");
        var table = new CsvTable(records[0]);
        for (var i = 1; i < records.Count; i++)
        {
            if (records[i].Length != table.Columns.Count)
                throw new FormatException($"{path}: line {i + 1} has {records[i].Length} fields, the header has {table.Columns.Count}");
            table.Rows.Add(records[i]);
        }
        return table;
    }

    static string Format(object value) => value switch
    {
        double d when double.IsNaN(d) => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => ((double)f).ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "1" : "0",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    static string Quote(string field) =>
        field.IndexOfAny([',', '"', '\n', '\r']) < 0 ? field : "\"" + field.Replace("\"", "\"\"") + "\"";

    static List<string[]> Parse(string text)
    {
        var records = new List<string[]>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
            else if (c == '\n' || c == '\r')
            {
                if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n') i++;
                fields.Add(field.ToString()); field.Clear();
                records.Add([.. fields]); fields.Clear();
            }
            else field.Append(c);
        }
        if (field.Length > 0 || fields.Count > 0) { fields.Add(field.ToString()); records.Add([.. fields]); }
        return records;
    }
}
