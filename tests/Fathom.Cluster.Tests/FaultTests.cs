using System.Diagnostics;
using Fathom.Grains.Contracts;
using Xunit.Abstractions;

namespace Fathom.Cluster.Tests;

/// <summary>
/// Faults across process and host boundaries, one per test, each on a run submitted with `fathom run --cluster`
/// to silos in their own network namespaces. Every test ends with the ledger checks of <see cref="ClusterRun.ReconcileAsync"/>
/// and checks that the episodes written before its fault are still in the store (capacity is far above the budget,
/// so nothing is evicted). Each prints what happened and how long recovery took (docs/reliability.md).
/// A test that waits for a state after its fault runs an <see cref="Endless"/> budget and stops the run once it has
/// seen the recovery, so that a fast machine cannot finish the run before the fault has played out.
/// </summary>
[Collection(ClusterFixture.Collection)]
public sealed class FaultTests(ClusterFixture fixture, ITestOutputHelper output)
{
    /// <summary>The budget of a run that ends by itself; a run no test machine finishes in <see cref="RunTimeout"/>; the env steps before a fault.</summary>
    const long Budget = 16_000, Endless = 2_000_000, BeforeFault = 4_000;

    /// <summary>How far a recovered run must go on before it is stopped.</summary>
    const long AfterRecovery = 2_000;
    const int CheckpointPeriod = 20; // FaultSpecs' checkpoint.period_updates
    static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(6);
    static readonly TimeSpan Outage = TimeSpan.FromSeconds(10);

    /// <summary>How long nobody asks after the experiment's silo is killed: longer than the workers' run checks and the death declaration.</summary>
    static readonly TimeSpan Silence = TimeSpan.FromSeconds(40);
    FathomNetnsCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task CollectorSiloKilled_ItsCollectorsRestartOnTheOtherCollectorSilo()
    {
        var (run, before, written) = await StartAndWait("kill-collector", budget: Endless);
        var victim = fixture.SiloIndexOf(before.Collectors.First(c => c.State == ExperimentState.Running).Silo);
        var clock = Stopwatch.StartNew();
        Cluster.Silo(victim).Kill();
        output.WriteLine($"SIGKILL collector silo {victim} at {before.EnvSteps} env steps ({written.Count} episodes stored)");

        var recovered = await run.WaitForAsync(s => s.Collectors.Length == 2 && s.Collectors.All(c => c.State == ExperimentState.Running && fixture.SiloIndexOf(c.Silo) != victim), RunTimeout);
        output.WriteLine($"both collectors running on silo {fixture.SiloIndexOf(recovered.Collectors[0].Silo)} after {clock.Elapsed.TotalSeconds:0} s");
        await StopAfterProgress(run, recovered);
        await Finish(run, written, collectorsKilled: true, stopped: true);
    }

    [Fact]
    public async Task BehaviourLearnerSiloKilled_ItResumesFromItsCheckpointOnTheOtherLearnerSilo()
    {
        var (run, _, _) = await StartAndWait("kill-learner", budget: Endless);
        var before = await run.WaitForAsync(s => Deep(s).Updates >= 3 * CheckpointPeriod && s.Collectors.All(c => c.PolicyVersion > 0), RunTimeout);
        var written = await run.EpisodeIdsAsync();
        var victim = fixture.SiloIndexOf(Deep(before).Silo);
        var published = before.PolicyVersion;
        var clock = Stopwatch.StartNew();
        Cluster.Silo(victim).Kill();
        output.WriteLine($"SIGKILL learner silo {victim} with the behaviour learner at {Deep(before).Updates} updates, policy version {published}");

        var resumed = await run.WaitForAsync(s => Deep(s) is { State: ExperimentState.Running } d && fixture.SiloIndexOf(d.Silo) != victim && d.Updates > d.ResumedFromUpdates, RunTimeout);
        var deep = Deep(resumed);
        output.WriteLine($"resumed on silo {fixture.SiloIndexOf(deep.Silo)} from its checkpoint at {deep.ResumedFromUpdates} updates after {clock.Elapsed.TotalSeconds:0} s");
        Assert.True(deep.ResumedFromUpdates >= Deep(before).Updates - CheckpointPeriod,
            $"resumed from {deep.ResumedFromUpdates} updates, more than one checkpoint period behind {Deep(before).Updates}");
        // Collectors acted with the last weights meanwhile, then took the resumed learner's newer versions.
        var caughtUp = await run.WaitForAsync(s => s.Collectors.Length > 0 && s.Collectors.All(c => c.PolicyVersion > published), RunTimeout);
        output.WriteLine($"collectors on policy version {caughtUp.Collectors.Min(c => c.PolicyVersion)} (> {published}) after {clock.Elapsed.TotalSeconds:0} s");
        await StopAfterProgress(run, caughtUp);
        await Finish(run, written, collectorsKilled: true, learnerResumed: true, stopped: true); // its silo may have hosted the experiment grain too
    }

    [Fact]
    public async Task ReplayShardKilledAndRestartedFromItsAppendOnlyFile_EpisodesWrittenBeforeSurvive()
    {
        var (run, before, written) = await StartAndWait("kill-shard");
        var host = FathomNetnsCluster.ShardHost(1);
        var onShard = await Cluster.RedisLinesAsync(host, "LRANGE", Fathom.Replay.RedisReplayKeys.Index(run.Name, 1), "0", "-1");
        Cluster.Redis(host).Kill();
        output.WriteLine($"SIGKILL replay shard 1 at {before.EnvSteps} env steps ({onShard.Length} episodes on it)");
        await Task.Delay(TimeSpan.FromSeconds(5));
        var clock = Stopwatch.StartNew();
        Cluster.StartRedis(host);
        var back = await Cluster.RedisLinesAsync(host, "LRANGE", Fathom.Replay.RedisReplayKeys.Index(run.Name, 1), "0", "-1");
        output.WriteLine($"restarted from its append-only file in {clock.Elapsed.TotalSeconds:0.0} s with {back.Length} episodes");
        Assert.Subset(back.ToHashSet(), onShard.ToHashSet());
        await Finish(run, written, collectorsKilled: true);
    }

    [Fact]
    public async Task MembershipRedisPaused_TheRunGoesOnAndNoSiloDies()
    {
        var (run, before, written) = await StartAndWait("pause-membership");
        var membership = Cluster.Redis(FathomNetnsCluster.MembershipHost);
        membership.Signal(HostProcess.SigStop);
        output.WriteLine($"SIGSTOP membership Redis at {before.EnvSteps} env steps");
        try
        {
            await Task.Delay(Outage);
        }
        finally
        {
            membership.Signal(HostProcess.SigCont);
        }
        var after = await run.StatusAsync();
        output.WriteLine($"SIGCONT after {Outage.TotalSeconds:0} s; the run was at {after.EnvSteps} env steps when asked next");
        await Finish(run, written, collectorsKilled: false);
        Assert.All(Cluster.Silos, s => Assert.False(s.Process.HasExited, $"{s.Process.Name} exited:\n{s.Process.Tail()}"));
    }

    [Fact]
    public async Task CollectorSiloLinkCut_TheRunRecoversWhenTheLinkReturns()
    {
        var (run, before, written) = await StartAndWait("cut-link", budget: Endless);
        var experiment = fixture.SiloIndexOf(before.Silo);
        var victim = before.Collectors.Select(c => fixture.SiloIndexOf(c.Silo)).First(i => i != experiment);
        var host = Cluster.SiloHost(victim);
        Cluster.Hosts.SetLink(host, up: false);
        output.WriteLine($"link of collector silo {victim} down at {before.EnvSteps} env steps");
        try
        {
            await Task.Delay(Outage);
        }
        finally
        {
            Cluster.Hosts.SetLink(host, up: true);
        }
        var clock = Stopwatch.StartNew();
        var recovered = await run.WaitForAsync(s => s.Collectors.Length == 2 && s.Collectors.All(c => c.State == ExperimentState.Running) && s.EnvSteps > before.EnvSteps, RunTimeout);
        output.WriteLine($"link up after {Outage.TotalSeconds:0} s; collectors running on silos {string.Join(", ", recovered.Collectors.Select(c => fixture.SiloIndexOf(c.Silo)))} " +
                         $"{clock.Elapsed.TotalSeconds:0} s later; the cut silo {(Cluster.Silo(victim).HasExited ? $"left the cluster (exit {Cluster.Silo(victim).ExitCode})" : "stayed")}");
        await StopAfterProgress(run, recovered);
        await Finish(run, written, collectorsKilled: true, stopped: true);
    }

    [Fact]
    public async Task ExperimentSiloKilledWithNoClientAttached_TheRunIsReactivatedAndFinishes()
    {
        var (run, before, written) = await StartAndWait("kill-experiment", detach: true);
        Assert.Equal(0, run.Client.ExitCode); // detached: the client has gone
        var victim = fixture.SiloIndexOf(before.Silo);
        var clock = Stopwatch.StartNew();
        Cluster.Silo(victim).Kill();
        output.WriteLine($"SIGKILL silo {victim} ({ClusterFixture.Roles[victim]}) hosting the experiment grain at {before.EnvSteps} env steps, no client attached");

        // Nobody asks for a while: the workers' run checks and the experiment's reminder must bring it back by themselves.
        await Task.Delay(Silence);
        var moved = await run.StatusAsync();
        output.WriteLine($"first asked {Silence.TotalSeconds:0} s after the kill: {moved.State} at {moved.EnvSteps} env steps, on silo {fixture.SiloIndexOf(moved.Silo)}");
        Assert.NotEqual(victim, fixture.SiloIndexOf(moved.Silo));
        Assert.True(moved.EnvSteps > before.EnvSteps, $"no progress in the {Silence} after the kill\n{run.Diagnostics()}");
        var end = await run.WaitForEndAsync(RunTimeout);
        output.WriteLine($"ended {end.State} (by {clock.Elapsed.TotalSeconds:0} s after the kill)");
        await Finish(run, written, collectorsKilled: true, attached: false);
    }

    static LearnerProgress Deep(ExperimentStatus status) => status.Learners.Single(l => l.Name == "deep");

    async Task<(ClusterRun Run, ExperimentStatus Before, HashSet<string> Written)> StartAndWait(string name, bool detach = false, long budget = Budget)
    {
        await fixture.EnsureRunningAsync();
        var run = ClusterRun.Start(Cluster, name, FaultSpecs.Yaml(budget), detach);
        if (detach) Assert.True(await run.Client.WaitForExitAsync(TimeSpan.FromMinutes(2)), $"fathom run --detach did not return:\n{run.Client.Output}");
        var before = await run.WaitForEnvStepsAsync(BeforeFault, RunTimeout);
        return (run, before, await run.EpisodeIdsAsync());
    }


    /// <summary>Waits until the recovered run has gone <see cref="AfterRecovery"/> env steps further, then stops it as `fathom stop` does.</summary>
    async Task StopAfterProgress(ClusterRun run, ExperimentStatus recovered)
    {
        var on = await run.WaitForEnvStepsAsync(recovered.EnvSteps + AfterRecovery, RunTimeout);
        output.WriteLine($"went on to {on.EnvSteps} env steps after the recovery; stopping the run");
        await run.StopAsync();
    }

    /// <param name="stopped">The test stopped the run (an <see cref="Endless"/> budget): the attached client exits as interrupted.</param>
    async Task Finish(ClusterRun run, HashSet<string> written, bool collectorsKilled, bool learnerResumed = false, bool attached = true, bool stopped = false)
    {
        var exit = stopped ? Fathom.Client.Running.Interrupt.ExitCode : 0;
        if (attached) Assert.True(await run.WaitForClientAsync(RunTimeout) == exit, $"fathom run exited {run.Client.ExitCode}, not {exit}\n{run.Diagnostics()}");
        else await run.WaitForEndAsync(RunTimeout);
        var (status, ledger) = await run.ReconcileAsync(Budget, collectorsKilled, learnerResumed ? CheckpointPeriod : 0, stopped);
        Assert.Equal(0, ledger.Evicted);
        var kept = await run.EpisodeIdsAsync();
        Assert.True(written.IsSubsetOf(kept), $"{written.Except(kept).Count()} of {written.Count} episodes written before the fault are gone");
        output.WriteLine($"finished: {ledger.Inserted} env steps stored ({kept.Count} episodes), {ledger.Evicted} evicted, collectors reported {status.CollectedEnvSteps}; " +
                         $"updates {string.Join(", ", status.Learners.Select(l => $"{l.Name} {l.Updates}"))}");
    }
}
