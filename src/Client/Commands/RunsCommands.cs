using System.CommandLine;
using System.Globalization;
using Fathom.Grains.Contracts;

namespace Fathom.Client.Commands;

/// <summary>
/// <c>fathom runs --cluster ...</c> and <c>fathom delete &lt;run&gt; --cluster ...</c>: the runs a cluster holds and
/// what they take on its stores, and removing one completely. The silos answer (IRunsGrain), since they know the
/// stores' endpoints and password; the client needs only the membership table. A local run (no --cluster) lives in
/// the embedded store of the `fathom` process that ran it and is gone when that process exits.
/// </summary>
public static class RunsCommands
{
    static readonly TimeSpan StopWait = TimeSpan.FromMinutes(3);

    public static IEnumerable<Command> Create()
    {
        yield return List();
        yield return Delete();
    }

    static Command List()
    {
        var cluster = CommonOptions.Cluster();
        var command = new Command("runs", "List a cluster's runs: state, age and the keys and bytes each holds per store (cluster only: a local run ends with its fathom process)") { cluster };
        command.SetAction(async (parse, cancel) =>
        {
            if (CommonOptions.ClusterOnly(parse.GetValue(cluster), "runs") is not { } target) return CommonOptions.BadInput;
            await using var connection = await CommonOptions.Connect(target, cancel);
            if (connection is null) return CommonOptions.Unreachable;
            var runs = await connection.Client.GetGrain<IRunsGrain>(0).List();
            if (runs.Length == 0)
            {
                Console.WriteLine("no runs on this cluster");
                return 0;
            }
            foreach (var run in runs)
            {
                var stores = string.Join("; ", run.Stores.Select(s => $"{s.Store} {s.Keys:N0} keys {Megabytes(s.Bytes)}"));
                Console.WriteLine($"{run.Run}  {run.State}  started {Age(DateTime.UtcNow - run.Started)} ago  total {Megabytes(run.Stores.Sum(s => s.Bytes))}  [{stores}]");
            }
            return 0;
        });
        return command;
    }

    static Command Delete()
    {
        var run = new Argument<string>("run") { Description = "the run's name; its resumed segments (RUN.resume2, ...) go with it, a segment named alone goes alone" };
        var cluster = CommonOptions.Cluster();
        var force = new Option<bool>("--force") { Description = "stop the run first if it is still running (it checkpoints and flushes), then delete it" };
        var command = new Command("delete", "Remove every key of a run from a cluster's stores (replay, weights, checkpoints, pace, experiment record); " +
                                            "refuses a running run unless --force (cluster only: a local run ends with its fathom process)") { run, cluster, force };
        command.SetAction(async (parse, cancel) =>
        {
            var name = parse.GetRequiredValue(run);
            if (!CommonOptions.IsRunName(name, "run")) return CommonOptions.BadInput;
            if (CommonOptions.ClusterOnly(parse.GetValue(cluster), "delete") is not { } target) return CommonOptions.BadInput;
            await using var connection = await CommonOptions.Connect(target, cancel);
            if (connection is null) return CommonOptions.Unreachable;
            var runs = connection.Client.GetGrain<IRunsGrain>(0);
            var segments = await runs.Segments(name);
            if (segments.Length == 0) segments = [name]; // not registered (older or lost record): its keys may still be there
            foreach (var segment in segments)
            {
                var experiment = connection.Client.GetGrain<IExperimentGrain>(segment);
                var status = await experiment.GetStatus();
                if (status.State is not (ExperimentState.Running or ExperimentState.Stopping)) continue;
                if (!parse.GetValue(force))
                {
                    await Console.Error.WriteLineAsync($"fathom: run: '{segment}' is {status.State.ToString().ToLowerInvariant()}; stop it first (fathom stop {segment}) or delete it with --force");
                    return CommonOptions.BadInput;
                }
                Console.WriteLine($"stopping {segment} ...");
                await experiment.Stop();
                var deadline = DateTime.UtcNow + StopWait;
                while (!(await experiment.GetStatus()).IsOver)
                {
                    if (DateTime.UtcNow > deadline)
                    {
                        await Console.Error.WriteLineAsync($"fathom: run '{segment}' did not stop within {StopWait.TotalMinutes:F0} minutes; nothing was deleted");
                        return 1;
                    }
                    await Task.Delay(TimeSpan.FromSeconds(1), cancel);
                }
            }
            var exit = 0;
            foreach (var segment in segments)
            {
                StoreUsage[] removed;
                try
                {
                    removed = await runs.Delete(segment);
                }
                catch (InvalidOperationException e)
                {
                    await Console.Error.WriteLineAsync($"fathom: {e.Message}");
                    return CommonOptions.BadInput;
                }
                var left = (await runs.Usage(segment)).Where(s => s.Keys > 0).ToArray();
                Console.WriteLine($"deleted {segment}: {string.Join(", ", removed.Select(s => $"{s.Keys:N0} keys on {s.Store}"))}");
                if (left.Length > 0)
                {
                    await Console.Error.WriteLineAsync($"fathom: {segment} still has keys: {string.Join(", ", left.Select(s => $"{s.Keys:N0} on {s.Store}"))} (written while it was deleted?); run delete again");
                    exit = 1;
                }
            }
            return exit;
        });
        return command;
    }

    static string Megabytes(long bytes) => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0.0} MB");

    static string Age(TimeSpan age) =>
        age.TotalDays >= 1 ? $"{age.TotalDays:F0}d" : age.TotalHours >= 1 ? $"{age.TotalHours:F0}h" : age.TotalMinutes >= 1 ? $"{age.TotalMinutes:F0}m" : $"{Math.Max(0, age.TotalSeconds):F0}s";
}
