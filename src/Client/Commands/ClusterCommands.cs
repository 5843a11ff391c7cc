using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Serialization;
using Fathom.Client.Plots;
using Fathom.Client.Progress;
using Fathom.Client.Results;
using Fathom.Client.Running;
using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;

namespace Fathom.Client.Commands;

/// <summary><c>fathom status | stop | results &lt;run&gt; --cluster ...</c>: look at or steer a run on a running cluster.</summary>
public static class ClusterCommands
{
    public static IEnumerable<Command> Create()
    {
        var json = new Option<bool>("--json") { Description = "print the run's whole status (every learner, collector and the replay's ledger) as one JSON object" };
        yield return Command("status", "Print one progress line of a run on a cluster", async (grain, _, parse) =>
        {
            var status = await grain.GetStatus();
            var results = await grain.GetResults();
            if (results.Spec is null) { await Console.Error.WriteLineAsync($"fathom: run: '{status.Run}' is not known to the cluster"); return CommonOptions.BadInput; }
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(status, JsonOutput));
                return 0;
            }
            Console.WriteLine($"{status.Run}: {status.State}{(status.Error is null ? "" : $" ({status.Error})")}");
            Console.WriteLine(ProgressView.PlainLine(StatusFrames.From(status, results.Spec, status.Run, 0, TimeSpan.FromSeconds(status.Seconds), null)));
            return 0;
        }, json);
        yield return Command("stop", "Stop a run on a cluster (workers checkpoint and flush)", async (grain, _, _) =>
        {
            await grain.Stop();
            var status = await grain.GetStatus();
            Console.WriteLine($"{status.Run}: {status.State} at {status.EnvSteps:N0} env steps");
            return 0;
        });
        yield return Command("results", "Fetch a run's curves and probe grids from a cluster into results/<run>/ and draw them", async (grain, resultsDir, _) =>
        {
            var results = await grain.GetResults();
            if (results.Spec is null) { await Console.Error.WriteLineAsync($"fathom: run: '{results.Run}' is not known to the cluster"); return CommonOptions.BadInput; }
            var folder = RunFolder.Create(resultsDir, results.Run);
            await File.WriteAllTextAsync(folder.Spec, SpecWriter.Write(results.Spec));
            EvalCsv.Write(folder.Eval, ResultRows.Evals(results.Run, results.Learners, 0).Append(RandomBaseline.Evaluate(results.Run, results.Spec)));
            if (results.Topology.Length > 0)
                TopologyCsv.Write(folder.Topology, results.Topology.SelectMany(g => ResultRows.Topology(results.Run, g, results.Spec)));
            Console.WriteLine($"{results.Run}: {results.State}, {results.EnvSteps:N0} env steps");
            foreach (var file in Report.Draw(folder)) Console.WriteLine($"wrote {file}");
            return 0;
        });
    }

    /// <summary>Status as JSON: snake_case keys, as the benchmarks' JSON, and enums by name, so that scripts need not know their numbers.</summary>
    public static readonly JsonSerializerOptions JsonOutput = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower, Converters = { new JsonStringEnumConverter() } };

    static Command Command(string name, string description, Func<IExperimentGrain, string, ParseResult, Task<int>> act, params Option[] extra)
    {
        var run = new Argument<string>("run") { Description = "the run's name" };
        var cluster = CommonOptions.Cluster();
        var results = CommonOptions.Results();
        var command = new Command(name, description) { run, cluster, results };
        foreach (var option in extra) command.Options.Add(option);
        command.SetAction(async (parse, cancel) =>
        {
            if (!CommonOptions.IsRunName(parse.GetRequiredValue(run), "run")) return CommonOptions.BadInput;
            if (CommonOptions.ClusterOnly(parse.GetValue(cluster), name) is not { } target) return CommonOptions.BadInput;
            if (name == "results" && !CommonOptions.CanWriteResults(parse.GetRequiredValue(results))) return CommonOptions.BadInput;
            await using var connection = await CommonOptions.Connect(target, cancel);
            if (connection is null) return CommonOptions.Unreachable;
            return await act(connection.Client.GetGrain<IExperimentGrain>(parse.GetRequiredValue(run)), parse.GetRequiredValue(results), parse);
        });
        return command;
    }
}
