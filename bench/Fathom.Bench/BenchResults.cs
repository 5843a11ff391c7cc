using System.Text.Json;

namespace Fathom.Bench;

/// <summary>Writes a benchmark's figures to bench-results/NAME.json (snake_case keys) under the working directory.</summary>
public static class BenchResults
{
    public static readonly JsonSerializerOptions Options = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
    };

    public static string Write(string name, object figures)
    {
        Directory.CreateDirectory("bench-results");
        var path = Path.Combine("bench-results", name + ".json");
        File.WriteAllText(path, JsonSerializer.Serialize(figures, Options));
        Console.WriteLine($"wrote {path}");
        return path;
    }

    /// <summary>The median of <paramref name="values"/> (the mean of the middle two for an even count).</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }

    /// <summary>The 1-minute load average now (/proc/loadavg), or "unknown": how shared the machine was during a run.</summary>
    public static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown";
}
