using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Fathom.Bench;

/// <summary>
/// The learner's time waiting for data in a quickstart-shaped run, as a user runs it: `fathom run quickstart` in local
/// mode (embedded Garnet, co-hosted silo), read back from its metrics.csv (data_wait_fraction: the share of the step
/// loop's time, pacing left out, spent waiting for a minibatch). Adds one object with `learner_data_wait_fraction` to
/// bench-results/replay.json, keeping the replay benchmark's objects, with the run's final time at goal (mean of the
/// last five evaluations) beside the random policy's, so the same run shows the quickstart still learns.
/// Args: [spec=quickstart].
/// </summary>
public sealed class DataWaitBench : IBenchmark
{
    public string Name => "data-wait";
    public string Description => "learner's data-wait fraction in a quickstart run (adds to bench-results/replay.json)";

    public async Task<int> RunAsync(string[] args)
    {
        string spec = args.Length > 0 ? args[0] : "quickstart";
        string root = RepositoryRoot();
        string results = Path.Combine(Path.GetTempPath(), $"fathom-data-wait-{Environment.ProcessId}");
        string run = $"data-wait-{DateTime.UtcNow:yyyyMMdd-HHmmss}";
        Console.WriteLine($"fathom run {spec} --run {run} --results {results} (local mode; minutes)");
        var clock = Stopwatch.StartNew();
        var start = new ProcessStartInfo("dotnet", ["run", "-c", "Release", "--project", Path.Combine(root, "src", "Client"), "--", "run", spec, "--run", run, "--results", results])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            Console.Error.WriteLine($"fathom run exited {process.ExitCode}:\n{await stderr}\n{(await stdout)[^Math.Min(2000, (await stdout).Length)..]}");
            return 1;
        }
        double wall = clock.Elapsed.TotalSeconds;

        var metrics = File.ReadAllLines(Path.Combine(results, run, "metrics.csv"));
        var header = metrics[0].Split(',');
        int learner = Array.IndexOf(header, "learner"), wait = Array.IndexOf(header, "data_wait_fraction"), updates = Array.IndexOf(header, "updates");
        if (learner < 0 || wait < 0 || updates < 0) throw new InvalidDataException($"metrics.csv lacks learner, updates or data_wait_fraction: {metrics[0]}");
        // The last sample of each learner holds its whole run's fraction.
        var last = metrics.Skip(1).Select(l => l.Split(',')).GroupBy(r => r[learner]).Select(g => g.Last()).ToList();
        var fractions = last.Select(r => double.Parse(r[wait], CultureInfo.InvariantCulture)).ToList();
        var (score, random) = Scores(Path.Combine(results, run, "eval.csv"));
        var figure = new JsonObject
        {
            ["target"] = "garnet (local mode)",
            ["episode"] = "point_maze",
            ["spec"] = spec,
            ["learner_data_wait_fraction"] = fractions.Max(),
            ["learners"] = new JsonArray([.. last.Select(r => (JsonNode)new JsonObject
            {
                ["learner"] = r[learner],
                ["updates"] = long.Parse(r[updates], CultureInfo.InvariantCulture),
                ["data_wait_fraction"] = double.Parse(r[wait], CultureInfo.InvariantCulture),
            })]),
            ["final_time_at_goal"] = Math.Round(score, 2),
            ["random_time_at_goal"] = Math.Round(random, 2),
            ["wall_s"] = Math.Round(wall, 1),
        };
        Console.WriteLine($"final time at goal {score:F1} (mean of the last five evaluations, best learner) vs random {random:F1}");
        foreach (var r in last) Console.WriteLine($"{r[learner]}: {r[updates]} updates, data wait {double.Parse(r[wait], CultureInfo.InvariantCulture):P2} of stepping time (pacing left out)");
        Merge(figure);
        try { Directory.Delete(results, recursive: true); } catch (IOException) { }
        return 0;
    }

    /// <summary>The best learner's mean time at goal over its last five evaluations, and the random baseline's.</summary>
    private static (double Score, double Random) Scores(string evalCsv)
    {
        var lines = File.ReadAllLines(evalCsv);
        var header = lines[0].Split(',');
        int learner = Array.IndexOf(header, "learner"), role = Array.IndexOf(header, "role"), steps = Array.IndexOf(header, "env_steps"), tag = Array.IndexOf(header, "time_at_goal");
        var rows = lines.Skip(1).Select(l => l.Split(',')).ToList();
        double Value(string[] r) => double.Parse(r[tag], CultureInfo.InvariantCulture);
        var random = rows.Where(r => r[role] == "random").Select(Value).DefaultIfEmpty(double.NaN).First();
        var score = rows.Where(r => r[role] != "random").GroupBy(r => r[learner])
            .Select(g => g.OrderBy(r => long.Parse(r[steps], CultureInfo.InvariantCulture)).TakeLast(5).Average(Value)).Max();
        return (score, random);
    }

    /// <summary>Replaces the data-wait object of bench-results/replay.json, keeping every other object.</summary>
    private static void Merge(JsonObject figure)
    {
        var path = Path.Combine("bench-results", "replay.json");
        var array = File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonArray existing ? existing : [];
        foreach (var old in array.Where(n => n is JsonObject o && o.ContainsKey("learner_data_wait_fraction")).ToList()) array.Remove(old);
        array.Add(figure);
        Directory.CreateDirectory("bench-results");
        File.WriteAllText(path, array.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"wrote {path}");
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Distributed.sln"))) return dir.FullName;
        throw new InvalidOperationException("run the benchmark from inside the Fathom checkout (no Distributed.sln above the working directory)");
    }
}
