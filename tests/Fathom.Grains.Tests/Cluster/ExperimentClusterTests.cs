using System.Diagnostics;
using Fathom.Grains.Contracts;
using Fathom.Replay;
using Fathom.Grains.Specs;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Grains.Workers;
using Orleans.TestingHost;
using Xunit.Abstractions;

namespace Fathom.Grains.Tests.Cluster;

/// <summary>Whole runs on a two-silo cluster against embedded Garnet: the acceptance tests of the actor-learner system.</summary>
[Collection(GarnetRunsCollection.Name)]
public sealed class ExperimentClusterTests(GarnetFixture garnet, ITestOutputHelper output)
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task A_small_collector_vs_learner_run_finishes_with_curves_fresh_weights_and_reconciled_episodes()
    {
        using var turns = new LongRunningTurns();
        var clock = Stopwatch.StartNew();
        await using var cluster = await FathomTestCluster.StartAsync(2, $"127.0.0.1:{garnet.Server.Port}");
        var run = $"cvl-{Guid.NewGuid():N}"[..16];
        var spec = TestSpecs.CollectorVsLearner(budget: 12_800);
        var experiment = cluster.Client.GetGrain<IExperimentGrain>(run);

        await experiment.Start(spec);
        await experiment.Start(spec); // idempotent
        await Assert.ThrowsAsync<InvalidOperationException>(() => experiment.Start(spec with { Seed = 8 }));
        var seenRunning = await WaitUntilOver(experiment);
        var status = await experiment.GetStatus();
        var results = await experiment.GetResults();
        output.WriteLine($"finished in {clock.Elapsed.TotalSeconds:F1} s (run {status.Seconds:F1} s): env steps {status.EnvSteps}, policy version {status.PolicyVersion}, max lag {status.MaxPolicyLag}");
        foreach (var l in status.Learners) output.WriteLine($"{l.Name}: {l.State} {l.Updates} updates, {l.UpdatesPerSecond:F1}/s on {l.Silo} {l.Error}");
        foreach (var c in status.Collectors) output.WriteLine($"collector {c.Index}: {c.State} {c.EnvSteps} steps, {c.EnvStepsPerSecond:F0}/s, version {c.PolicyVersion} on {c.Silo} {c.Error}");

        Assert.Equal(ExperimentState.Finished, status.State);
        Assert.True(status.EnvSteps >= spec.BudgetEnvSteps);
        // No device in the spec and none set for the silos: every worker took auto, the CPU without CUDA.
        var auto = Fathom.Learner.TorchDevices.Detect().Resolve("auto");
        Assert.All(status.Learners, l => Assert.Equal(auto, l.Device));
        Assert.All(status.Collectors, c => Assert.Equal(auto, c.Device));

        // Every learner reports an evaluation curve: the start, the periodic points and the last update.
        foreach (var curve in results.Learners)
        {
            output.WriteLine($"{curve.Name}: {string.Join(", ", curve.Points.Select(p => $"u{p.Updates}:{p.TimeAtGoalMean:F1}"))}");
            Assert.True(curve.Points.Length >= 3, $"learner {curve.Name} has {curve.Points.Length} evaluation points");
            Assert.Equal(0, curve.Points[0].Updates);
            Assert.True(curve.Points[^1].Updates >= 2 * spec.Evaluation.PeriodUpdates, $"learner {curve.Name} stopped at {curve.Points[^1].Updates} updates");
            Assert.All(curve.Points, p => Assert.InRange(p.TimeAtGoalMean, 0, spec.Environment.EpisodeLength));
        }
        Assert.Equal(spec.Learners.Length, results.Topology.Length);
        Assert.All(results.Topology, grid => Assert.Equal(grid.Rows * grid.Cols, grid.Q.Length));

        // Behaviour weights reach the collectors, and the collectors never fall far behind.
        Assert.Equal(2, seenRunning.Collectors.Length);
        Assert.All(status.Collectors, c => Assert.True(c.PolicyVersion > 1, $"collector {c.Index} acted only with version {c.PolicyVersion}"));
        Assert.All(status.Collectors, c => Assert.InRange(c.MaxPolicyLag, 0, 5));
        Assert.True(status.PolicyVersion >= status.Collectors.Max(c => c.PolicyVersion));

        // Episodes in the store reconcile with the env steps the collectors counted.
        await using var store = await RedisReplayStore.ConnectShardsAsync(
            new ReplayStoreOptions(run, EnvironmentFactory.Layout(spec.Environment), spec.Replay.CapacityTransitions),
            [garnet.Options, garnet.Options]);
        var index = await store.ListAsync();
        var sizes = await store.GetSizesAsync();
        output.WriteLine($"store: {index.Episodes.Count} episodes, {index.Transitions} transitions, {sizes.InsertedTransitions} inserted; collectors: {status.CollectedEpisodes} episodes, {status.CollectedEnvSteps} steps");
        Assert.Equal(status.CollectedEnvSteps, index.Transitions);
        Assert.Equal(status.CollectedEpisodes, index.Episodes.Count);
        Assert.Equal(sizes.InsertedTransitions, index.Transitions);
        Assert.Equal(status.EnvSteps, sizes.InsertedTransitions);
        Assert.All(index.Episodes, e => Assert.Equal(spec.Environment.EpisodeLength, e.Length));
        var sample = await store.FetchAsync(index.Episodes.TakeLast(32).ToList());
        Assert.Contains(sample, e => e.Episode.PolicyVersion > 0);

        // Collectors and learners are spread over both silos; no turn ran long on the scheduler.
        var silos = status.Collectors.Select(c => c.Silo).Concat(status.Learners.Select(l => l.Silo)).Distinct().Count();
        Assert.Equal(2, silos);
        output.WriteLine($"long-running turns: {turns.Count} (instrument seen: {turns.InstrumentSeen})");
        Assert.Equal(0, turns.Count);
    }

    [Fact]
    public async Task Passive_crl_and_sac_learners_train_side_by_side_on_what_a_td3_actor_collects()
    {
        await using var cluster = await FathomTestCluster.StartAsync(1, $"127.0.0.1:{garnet.Server.Port}");
        var run = $"td-{Guid.NewGuid():N}"[..16];
        var small = TestSpecs.CollectorVsLearner(budget: 6_400);
        // The collectors act with a TD3 actor's blob (its exploration noise in the log-std head); a passive CRL and a
        // passive SAC learner (with final-state goals) train side by side on the one replay.
        var spec = small with
        {
            Learners =
            [
                small.Learners[0] with { Algorithm = LearnerAlgorithm.Td3 },
                small.Learners[1],
                small.Learners[2] with { Algorithm = LearnerAlgorithm.Sac, FinalGoalFraction = 0.2 },
            ],
        };
        var experiment = cluster.Client.GetGrain<IExperimentGrain>(run);
        await experiment.Start(spec);
        await WaitUntilOver(experiment);
        var status = await experiment.GetStatus();
        var results = await experiment.GetResults();
        foreach (var l in status.Learners) output.WriteLine($"{l.Name}: {l.State} {l.Updates} updates, {l.UpdatesPerSecond:F1}/s {l.Error}");

        Assert.Equal(ExperimentState.Finished, status.State);
        Assert.All(status.Learners, l => Assert.True(l.Error is null && l.Updates >= spec.Evaluation.PeriodUpdates, $"{l.Name}: {l.Updates} updates, {l.Error}"));
        foreach (var curve in results.Learners)
        {
            output.WriteLine($"{curve.Name}: {string.Join(", ", curve.Points.Select(p => $"u{p.Updates}:{p.TimeAtGoalMean:F1}"))}");
            Assert.True(curve.Points.Length >= 2, $"learner {curve.Name} has {curve.Points.Length} evaluation points");
            Assert.All(curve.Points, p => Assert.InRange(p.TimeAtGoalMean, 0, spec.Environment.EpisodeLength));
        }
        Assert.All(status.Collectors, c => Assert.True(c.PolicyVersion > 1, $"collector {c.Index} acted only with version {c.PolicyVersion}"));
        Assert.Equal(spec.Learners.Length, results.Topology.Length);
        // Each learner's critic (CRL's energy, TD's twin minimum) gives a value at every free point of the probe (walls are NaN).
        int free = results.Topology[0].Q.Count(float.IsFinite);
        Assert.True(free > 0);
        Assert.All(results.Topology, grid => Assert.Equal(free, grid.Q.Count(float.IsFinite)));
    }

    [Fact]
    public async Task A_run_survives_a_killed_silo_and_its_learner_resumes_from_its_checkpoint()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await FathomTestCluster.StartAsync(2, $"127.0.0.1:{garnet.Server.Port}");
        var run = $"kill-{Guid.NewGuid():N}"[..16];
        var spec = TestSpecs.CollectorVsLearner(budget: 25_600, checkpointPeriod: 50);
        var experiment = cluster.Client.GetGrain<IExperimentGrain>(run);
        await using var store = await RedisReplayStore.ConnectShardsAsync(
            new ReplayStoreOptions(run, EnvironmentFactory.Layout(spec.Environment), spec.Replay.CapacityTransitions),
            [garnet.Options, garnet.Options]);
        await experiment.Start(spec);

        // Wait until some learner has checkpointed at least twice, then kill the silo it lives on.
        LearnerProgress victim;
        while (true)
        {
            var status = await experiment.GetStatus();
            Assert.False(status.IsOver, "the run ended before the silo could be killed");
            if (status.Learners.FirstOrDefault(l => l.Updates >= 2 * spec.CheckpointPeriodUpdates + 10) is { } chosen)
            {
                victim = chosen;
                break;
            }
            await Task.Delay(200);
        }
        var silo = cluster.Silos.Single(s => s.SiloAddress.ToString() == victim.Silo);
        var siloWorkers = FathomTestCluster.WorkersOf(silo);
        var before = (await store.ListAsync()).Episodes.Select(e => e.Id).ToHashSet();
        await cluster.KillSiloAsync(silo);
        output.WriteLine($"killed {victim.Silo} at {clock.Elapsed.TotalSeconds:F1} s with learner {victim.Name} at {victim.Updates} updates; {before.Count} episodes stored");
        for (var waited = 0; siloWorkers.Running > 0 && waited < 50; waited++) await Task.Delay(100);
        Assert.Equal(0, siloWorkers.Running); // no worker outlives its silo (they were aborted, not flushed)

        await WaitUntilOver(experiment);
        var final = await experiment.GetStatus();
        var resumed = final.Learners.Single(l => l.Name == victim.Name);
        output.WriteLine($"state {final.State}: {final.Error}");
        foreach (var l in final.Learners) output.WriteLine($"{l.Name}: {l.State} {l.Updates} updates (resumed from {l.ResumedFromUpdates}) on {l.Silo} {l.Error}");
        output.WriteLine($"finished in {clock.Elapsed.TotalSeconds:F1} s: {resumed.Name} resumed from {resumed.ResumedFromUpdates} and reached {resumed.Updates} updates on {resumed.Silo}");
        Assert.Equal(ExperimentState.Finished, final.State);
        Assert.NotEqual(victim.Silo, resumed.Silo);
        Assert.True(resumed.ResumedFromUpdates >= spec.CheckpointPeriodUpdates, $"resumed from {resumed.ResumedFromUpdates} updates");
        Assert.Equal(0, resumed.ResumedFromUpdates % spec.CheckpointPeriodUpdates); // a periodic checkpoint: the killed worker flushed nothing
        Assert.True(resumed.Updates > resumed.ResumedFromUpdates, "the resumed learner did not train on");
        var results = await experiment.GetResults();
        Assert.All(results.Learners, curve => Assert.True(curve.Points.Length >= 2, $"learner {curve.Name} has {curve.Points.Length} evaluation points"));

        // Nothing written before the kill is lost.
        var after = (await store.ListAsync()).Episodes.Select(e => e.Id).ToHashSet();
        Assert.Empty(before.Except(after));
        Assert.True(after.Count > before.Count);
    }

    /// <summary>Polls like a client would (riding over a silo that just died), and returns a status seen while the run was still going.</summary>
    private static async Task<ExperimentStatus> WaitUntilOver(IExperimentGrain experiment)
    {
        var deadline = Stopwatch.StartNew();
        ExperimentStatus? running = null;
        while (deadline.Elapsed < RunTimeout)
        {
            try
            {
                var status = await experiment.GetStatus();
                if (status.IsOver) return running ?? status;
                if (status.Collectors.Length > 0) running = status;
            }
            catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
            {
                // The grain's silo died; the next call activates it elsewhere.
            }
            await Task.Delay(250);
        }
        throw new TimeoutException($"run did not finish within {RunTimeout}: {await experiment.GetStatus()}");
    }
}
