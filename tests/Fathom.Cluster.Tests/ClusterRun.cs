using System.Text.Json;
using Fathom.Client.Results;
using Fathom.Grains.Contracts;

namespace Fathom.Cluster.Tests;

/// <summary>
/// One run on a <see cref="FathomNetnsCluster"/>, submitted with `fathom run --cluster` from the client host, and the
/// ledger checks every fault test ends with: the store's own counts (inserted = held + evicted on every shard, the
/// index's lengths sum to what is held), the experiment's env steps equal to what the store received, collectors'
/// reports never above it, and learners' update counts that never went back.
/// </summary>
public sealed class ClusterRun(FathomNetnsCluster cluster, string name, string folder, HostProcess client)
{
    static JsonSerializerOptions Json => Fathom.Client.Commands.ClusterCommands.JsonOutput;

    public string Name => name;
    public HostProcess Client => client;
    public string ResultsFolder => Path.Combine(folder, "results", name);

    /// <summary>Writes <paramref name="spec"/> and starts `fathom run` (attached, or <paramref name="detach"/>ed) on the client host.</summary>
    public static ClusterRun Start(FathomNetnsCluster cluster, string name, string spec, bool detach = false)
    {
        var folder = ScratchFolder.Create("cluster-run");
        var path = Path.Combine(folder, name + ".yaml");
        File.WriteAllText(path, spec);
        string[] args = ["run", path, "--run", name, "--results", Path.Combine(folder, "results")];
        var client = cluster.StartFathom(folder, detach ? [.. args, "--detach"] : args);
        return new ClusterRun(cluster, name, folder, client);
    }

    /// <summary>The experiment's status from `fathom status --json` (a fresh client process each time).</summary>
    public async Task<ExperimentStatus> StatusAsync()
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (true)
        {
            var (code, output) = await cluster.FathomAsync(TimeSpan.FromMinutes(2), "status", name, "--json");
            if (code == 0) return Parse(output);
            // Not started yet (the client is still connecting), or the cluster did not answer in time (a fault is in
            // progress): ask again. A run the cluster does not know once its client has gone is an error at once.
            var unknown = output.Contains("is not known to the cluster", StringComparison.Ordinal);
            Assert.True((!unknown || !client.HasExited) && DateTime.UtcNow < deadline, $"fathom status exited {code}:\n{output}\n{Diagnostics()}");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    static ExperimentStatus Parse(string output)
    {
        var line = output.Split('\n').Last(l => l.TrimStart().StartsWith('{'));
        return JsonSerializer.Deserialize<ExperimentStatus>(line, Json)!;
    }

    /// <summary>Waits until the experiment has collected at least <paramref name="envSteps"/> (as the store counts them).</summary>
    public Task<ExperimentStatus> WaitForEnvStepsAsync(long envSteps, TimeSpan timeout) =>
        WaitForAsync(s => s.EnvSteps >= envSteps, timeout, $"{envSteps} env steps");

    /// <summary>Asks for the status every second until <paramref name="condition"/> holds; fails if the run ends first or the time runs out.</summary>
    public async Task<ExperimentStatus> WaitForAsync(Func<ExperimentStatus, bool> condition, TimeSpan timeout, string awaited = "the awaited state")
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await StatusAsync();
            if (condition(status)) return status;
            Assert.False(status.IsOver, $"run {name} ended {status.State} at {status.EnvSteps} env steps before {awaited}: {status.Error}\n{Diagnostics()}");
            Assert.True(DateTime.UtcNow < deadline, $"run {name} did not reach {awaited} within {timeout} (at {status.EnvSteps} env steps)\n{Diagnostics()}");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    /// <summary>Waits for the attached client to exit and returns its exit code.</summary>
    public async Task<int> WaitForClientAsync(TimeSpan timeout)
    {
        Assert.True(await client.WaitForExitAsync(timeout), $"fathom run {name} did not end within {timeout}\n{Diagnostics()}");
        return client.ExitCode;
    }

    /// <summary>Asks the cluster to stop the run (`fathom stop`): its workers checkpoint and flush.</summary>
    public async Task StopAsync()
    {
        var (code, output) = await cluster.FathomAsync(TimeSpan.FromMinutes(2), "stop", name);
        Assert.True(code == 0, $"fathom stop exited {code}:\n{output}\n{Diagnostics()}");
    }

    /// <summary>Waits until the experiment is over (for detached runs, asked through `fathom status`).</summary>
    public async Task<ExperimentStatus> WaitForEndAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var status = await StatusAsync();
            if (status.IsOver) return status;
            Assert.True(DateTime.UtcNow < deadline, $"run {name} was still {status.State} at {status.EnvSteps} env steps after {timeout}\n{Diagnostics()}");
            await Task.Delay(TimeSpan.FromSeconds(3));
        }
    }

    /// <summary>The ids of the episodes each shard's index holds now.</summary>
    public async Task<HashSet<string>> EpisodeIdsAsync()
    {
        var ids = new HashSet<string>();
        for (int shard = 0; shard < cluster.Shards; shard++)
            foreach (var entry in await cluster.RedisLinesAsync(FathomNetnsCluster.ShardHost(shard), "LRANGE", Fathom.Replay.RedisReplayKeys.Index(name, shard), "0", "-1"))
                ids.Add(entry[(entry.IndexOf(':') + 1)..]);
        return ids;
    }

    /// <summary>The store's ledger, read from the shards themselves: (inserted, held, evicted) summed over shards, each shard checked.</summary>
    public async Task<(long Inserted, long Held, long Evicted)> StoreLedgerAsync()
    {
        long inserted = 0, held = 0, evicted = 0;
        for (int shard = 0; shard < cluster.Shards; shard++)
        {
            var host = FathomNetnsCluster.ShardHost(shard);
            var i = await cluster.RedisLongAsync(host, "GET", Fathom.Replay.RedisReplayKeys.Inserted(name, shard));
            var h = await cluster.RedisLongAsync(host, "GET", Fathom.Replay.RedisReplayKeys.Size(name, shard));
            var e = await cluster.RedisLongAsync(host, "GET", Fathom.Replay.RedisReplayKeys.Evicted(name, shard));
            var lengths = (await cluster.RedisLinesAsync(host, "LRANGE", Fathom.Replay.RedisReplayKeys.Index(name, shard), "0", "-1"))
                .Sum(entry => long.Parse(entry[..entry.IndexOf(':')]));
            Assert.True(i == h + e, $"shard {shard}: inserted {i} != held {h} + evicted {e}");
            Assert.True(lengths == h, $"shard {shard}: the index's episodes hold {lengths} transitions, its size counter says {h}");
            (inserted, held, evicted) = (inserted + i, held + h, evicted + e);
        }
        return (inserted, held, evicted);
    }

    /// <summary>
    /// The checks after a run: it finished at its budget (or, when <paramref name="stopped"/>, was stopped), the store's ledger balances, the experiment's env steps are the
    /// store's, collectors reported no more than the store holds (and exactly that when <paramref name="collectorsKilled"/>
    /// is false), and every learner's update count in metrics.csv never went back (but by at most <paramref name="redone"/>
    /// updates, once, where a learner resumed from a checkpoint that many updates old).
    /// </summary>
    public async Task<(ExperimentStatus Status, (long Inserted, long Held, long Evicted) Ledger)> ReconcileAsync(long budget, bool collectorsKilled, int redone = 0,
        bool stopped = false)
    {
        var status = await StatusAsync();
        var expected = stopped ? ExperimentState.Stopped : ExperimentState.Finished;
        Assert.True(status.State == expected, $"run {name} ended {status.State}, not {expected}: {status.Error}\n{Diagnostics()}");
        var ledger = await StoreLedgerAsync();
        Assert.True(stopped ? ledger.Inserted > 0 : ledger.Inserted >= budget, $"the store received {ledger.Inserted} env steps, below the budget {budget}");
        var counts = $"store: inserted {ledger.Inserted}, held {ledger.Held}, evicted {ledger.Evicted}; status: {JsonSerializer.Serialize(status with { Learners = [], Collectors = [] }, Json)}";
        Assert.True(ledger.Inserted == status.EnvSteps, $"the experiment counted {status.EnvSteps} env steps\n{counts}\n{Diagnostics()}");
        Assert.True(ledger.Inserted == status.Replay.InsertedTransitions && ledger.Evicted == status.Replay.EvictedTransitions, $"the experiment's replay ledger differs\n{counts}");
        Assert.True(status.CollectedEnvSteps <= ledger.Inserted, $"collectors reported {status.CollectedEnvSteps} env steps, the store received {ledger.Inserted}");
        // Without a fault on a collector's or the experiment's silo the two are equal; a failover can lose a collector's
        // last report (its chunk is in the store), so equality is not required where the test killed a silo.
        if (!collectorsKilled) Assert.Equal(ledger.Inserted, status.CollectedEnvSteps);
        AssertUpdatesNeverWentBack(redone);
        return (status, ledger);
    }

    /// <summary>
    /// Each learner's updates in metrics.csv (sampled every few seconds by the client) never decrease, but for one step
    /// back of at most <paramref name="redone"/> (a resume from a checkpoint: the updates since it are done again).
    /// </summary>
    public void AssertUpdatesNeverWentBack(int redone = 0)
    {
        var path = Path.Combine(ResultsFolder, MetricsCsv.FileName);
        if (!File.Exists(path)) return; // a detached run has no client sampling it
        foreach (var learner in MetricsCsv.Read(path).GroupBy(s => s.Learner))
        {
            var updates = learner.Select(s => s.Updates).ToArray();
            var stepsBack = 0;
            for (int i = 1; i < updates.Length; i++)
            {
                if (updates[i] >= updates[i - 1]) continue;
                stepsBack++;
                Assert.True(updates[i - 1] - updates[i] <= redone && stepsBack == 1 && updates[i] > 0,
                    $"learner {learner.Key}: updates went back from {updates[i - 1]} to {updates[i]} (sample {i} of metrics.csv)");
            }
        }
    }

    /// <summary>The client's and every silo's last lines, for a failure message.</summary>
    public string Diagnostics() =>
        $"--- fathom run:\n{client.Tail(30)}\n" + string.Join("\n", cluster.Silos.Select(s => $"--- {s.Process.Name} ({(s.Process.HasExited ? $"exited {s.Process.ExitCode}" : "running")}):\n{s.Process.Tail(15)}"));
}
