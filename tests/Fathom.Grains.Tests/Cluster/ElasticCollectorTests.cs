using System.Diagnostics;
using Fathom.Grains.Contracts;
using Fathom.Grains.Grains;
using Fathom.Grains.Placement;
using Fathom.Grains.Specs;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Grains.Workers;
using Fathom.Replay;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Storage;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Fathom.Grains.Tests.Cluster;

/// <summary>
/// Per-silo collector groups (collectors: per_silo) on a real multi-silo cluster: each collector silo runs its share,
/// a silo that joins mid-run gets one and collects, a silo that leaves loses its share and the run still finishes.
/// </summary>
[Collection(GarnetRunsCollection.Name)]
public sealed class ElasticCollectorTests(GarnetFixture garnet, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    /// <summary>One small behaviour learner and one per-silo collector group: short episodes, narrow networks.</summary>
    private static ExperimentSpec PerSilo(int perSilo, long budget) => SpecLoader.ParseYaml($$"""
        seed: 11
        environment: { train_layout: u_maze, eval_layout: u_maze_eval, episode_length: 20 }
        budget: { env_steps: {{budget}} }
        collectors:
          - { per_silo: {{perSilo}}, envs: 16, behaviour: actor, weight_refresh_steps: 5 }
        learners:
          - { name: actor, role: behaviour, actor: { depth: 4, width: 32 }, critic: { depth: 4, width: 32 }, batch: 32, samples_per_insert: 1.6 }
        replay: { shards: 2, capacity: 1000000, min_transitions: 640 }
        evaluation: { period_updates: 200, episodes: 8 }
        checkpoint: { period_updates: 100 }
        """);

    [Fact]
    public async Task Per_silo_1_on_two_collector_silos_runs_one_collector_on_each()
    {
        SiloRole[] roles = [SiloRole.Learner, SiloRole.Collector, SiloRole.Collector];
        await using var cluster = await FathomTestCluster.StartAsync(3, $"127.0.0.1:{garnet.Server.Port}", roles);
        var collectorSilos = cluster.Silos.Where(s => roles[Number(s)] == SiloRole.Collector).Select(s => s.SiloAddress.ToString()).Order().ToArray();
        var experiment = cluster.Client.GetGrain<IExperimentGrain>($"persilo-{Guid.NewGuid():N}"[..16]);
        await experiment.Start(PerSilo(perSilo: 1, budget: 1_000_000));

        var status = await WaitFor(experiment, s => s.Collectors.Count(c => c.State == ExperimentState.Running) == 2, "two running collectors");
        await experiment.Stop();
        foreach (var c in status.Collectors) output.WriteLine($"collector {c.Index} on {c.Silo}: {c.State}, {c.EnvSteps} env steps");
        Assert.Equal(collectorSilos, status.Collectors.Select(c => c.Silo).Order().ToArray());
        Assert.Equal([0, 1], status.Collectors.Select(c => c.Index).Order().ToArray());
        Assert.Equal(2, status.Collectors.Select(c => c.Producer).Distinct().Count());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_collector_silo_that_joins_gets_its_share_and_one_that_leaves_loses_it_while_the_run_finishes(bool killed)
    {
        // Two silos to begin with; the one started later (Silo_2) is a collector silo too.
        SiloRole[] roles = [SiloRole.Learner, SiloRole.Collector, SiloRole.Collector];
        var warnings = new CapturedWarnings();
        await using var cluster = await FathomTestCluster.StartAsync(2, $"127.0.0.1:{garnet.Server.Port}", roles, services: warnings.AddTo);
        var run = $"elastic-{Guid.NewGuid():N}"[..16];
        var spec = PerSilo(perSilo: 1, budget: 32_000);
        var experiment = cluster.Client.GetGrain<IExperimentGrain>(run);
        await using var store = await RedisReplayStore.ConnectShardsAsync(
            new ReplayStoreOptions(run, EnvironmentFactory.Layout(spec.Environment), spec.Replay.CapacityTransitions), [garnet.Options, garnet.Options]);
        var clock = Stopwatch.StartNew();
        await experiment.Start(spec);
        var first = await WaitFor(experiment, s => s.Collectors.Any(c => c.EnvSteps > 0), "the first collector collecting");
        var original = Assert.Single(first.Collectors);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: collector {original.Index} on {original.Silo}, {first.EnvSteps} env steps");

        // A collector silo joins: it gets a collector under a new index, and that collector's episodes reach the store.
        var joined = await cluster.StartAdditionalSiloAsync();
        var added = await WaitFor(experiment, s => s.Collectors.Any(c => c.Silo == joined.SiloAddress.ToString() && c.Episodes > 0), "a collector on the new silo");
        var newcomer = added.Collectors.Single(c => c.Silo == joined.SiloAddress.ToString());
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {joined.SiloAddress} joined; collector {newcomer.Index} wrote {newcomer.Episodes} episodes; run at {added.EnvSteps} env steps");
        Assert.False(added.IsOver, "the run reached its budget before a silo could leave");
        Assert.Equal(1, newcomer.Index);
        var stored = (await store.ListAsync()).Episodes;
        Assert.Contains(stored, e => e.Id.StartsWith(newcomer.Producer + "#", StringComparison.Ordinal));
        // The assignment is in the experiment's stored record, so a reactivated experiment carries on with it.
        var record = await StoredRecord(cluster, experiment);
        Assert.Equal([(0, original.Silo), (1, newcomer.Silo)], record.SiloCollectors.Select(c => (c.Index, Shown(c.Silo))).Order().ToArray());
        Assert.Equal(2, record.NextCollectorIndex);
        // A reactivated experiment grain takes the assignment from its record: no new indices, the same two collectors.
        await cluster.DeactivateAsync(experiment);
        var reactivated = await WaitFor(experiment, s => s.Collectors.Count(c => c.State == ExperimentState.Running) == 2, "both collectors after reactivation");
        Assert.Equal([0, 1], reactivated.Collectors.Select(c => c.Index).Order().ToArray());

        // A collector silo leaves (scale-in): not the one holding the experiment, whose move another test covers.
        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        var host = await management.GetActivationAddress(experiment);
        var leaving = host is not null && host.Equals(joined.SiloAddress) ? cluster.Silos.Single(s => s.SiloAddress.ToString() == original.Silo) : joined;
        var staying = leaving == joined ? original.Silo : joined.SiloAddress.ToString();
        var before = (await store.ListAsync()).Episodes.Select(e => e.Id).ToHashSet();
        if (killed) await cluster.KillSiloAsync(leaving);
        else await cluster.StopSiloAsync(leaving);
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {(killed ? "killed" : "stopped")} {leaving.SiloAddress} with {before.Count} episodes stored");

        var final = await WaitFor(experiment, s => s.IsOver, "the run's end", TimeSpan.FromMinutes(4));
        output.WriteLine($"{clock.Elapsed.TotalSeconds:F1} s: {final.State} at {final.EnvSteps} env steps {final.Error}");
        foreach (var c in final.Collectors) output.WriteLine($"collector {c.Index} on {c.Silo}: {c.State}, {c.EnvSteps} env steps");
        Assert.Equal(ExperimentState.Finished, final.State);
        Assert.Null(final.Error);
        Assert.True(final.EnvSteps >= spec.BudgetEnvSteps, $"{final.EnvSteps} env steps of {spec.BudgetEnvSteps}");
        Assert.Equal([staying], final.Collectors.Select(c => c.Silo).Distinct().ToArray());
        var after = (await store.ListAsync()).Episodes.Select(e => e.Id).ToHashSet();
        Assert.Empty(before.Except(after)); // the leaving silo's episodes stay
        record = await StoredRecord(cluster, experiment);
        Assert.Equal([staying], record.SiloCollectors.Select(c => Shown(c.Silo)).ToArray());
        Assert.Equal(2, record.NextCollectorIndex);
        // Leaving is neither a failure nor a restart.
        Assert.True(record.Restarts.Count == 0, $"restarts {string.Join(", ", record.Restarts)}; the silos warned:\n{string.Join("\n", warnings.Lines)}");
    }

    /// <summary>The experiment's record as its grain storage holds it.</summary>
    private static async Task<ExperimentRecord> StoredRecord(InProcessTestCluster cluster, IExperimentGrain experiment)
    {
        var storage = cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(FathomGrainServices.StorageName);
        var state = new GrainState<ExperimentRecord>(new ExperimentRecord());
        await storage.ReadStateAsync("experiment", experiment.GetGrainId(), state);
        return state.State!;
    }

    /// <summary>A silo's parsable address as progress reports show it.</summary>
    private static string Shown(string silo) => SiloAddress.FromParsableString(silo).ToString();

    private static int Number(InProcessSiloHandle silo) => int.Parse(silo.Name["Silo_".Length..]);

    /// <summary>Polls the experiment until <paramref name="done"/> holds, riding over calls that fail while a silo goes.</summary>
    private async Task<ExperimentStatus> WaitFor(IExperimentGrain experiment, Func<ExperimentStatus, bool> done, string what, TimeSpan? patience = null)
    {
        var clock = Stopwatch.StartNew();
        ExperimentStatus? status = null;
        while (clock.Elapsed < (patience ?? Patience))
        {
            try
            {
                status = await experiment.GetStatus();
                if (done(status)) return status;
                Assert.False(status.IsOver, $"the run ended ({status.State}: {status.Error}) while waiting for {what}");
            }
            catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
            {
                output.WriteLine($"status call failed: {e.GetType().Name}");
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"no {what} within {patience ?? Patience}: {status}");
    }
}
