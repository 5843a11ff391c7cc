using Fathom.Grains.Contracts;
using Xunit.Abstractions;

namespace Fathom.Cluster.Tests;

/// <summary>
/// Faults across process and host boundaries, one per test, each on a run submitted with `fathom run --cluster`
/// to silos in their own network namespaces. Every test ends with the ledger checks of <see cref="ClusterRun.ReconcileAsync"/>
/// and checks that the episodes written before its fault are still in the store (capacity is far above the budget,
/// so nothing is evicted).
/// </summary>
public sealed class FaultTests(ClusterFixture fixture, ITestOutputHelper output) : IClassFixture<ClusterFixture>
{
    const long Budget = 24_000;
    static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(6);
    FathomNetnsCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task CollectorSiloKilled_ItsCollectorsRestartOnTheOtherCollectorSilo()
    {
        await fixture.EnsureRunningAsync();
        var run = ClusterRun.Start(Cluster, "kill-collector", FaultSpecs.Yaml(Budget));
        var before = await run.WaitForEnvStepsAsync(Budget / 4, RunTimeout);
        var victim = fixture.SiloIndexOf(before.Collectors.First(c => c.State == ExperimentState.Running).Silo);
        var written = await run.EpisodeIdsAsync();
        var killedAt = DateTime.UtcNow;
        Cluster.Silo(victim).Kill();
        output.WriteLine($"killed collector silo {victim} at {before.EnvSteps} env steps, {written.Count} episodes stored");

        var after = await run.WaitForEnvStepsAsync(before.EnvSteps + 2_000, RunTimeout);
        output.WriteLine($"collection went on {(DateTime.UtcNow - killedAt).TotalSeconds:0} s after the kill; collectors on {string.Join(", ", after.Collectors.Select(c => fixture.SiloIndexOf(c.Silo)))}");
        Assert.Equal(0, await run.WaitForClientAsync(RunTimeout));
        var (status, ledger) = await run.ReconcileAsync(Budget, collectorsKilled: true);
        Assert.All(status.Collectors, c => Assert.NotEqual(victim, fixture.SiloIndexOf(c.Silo)));
        Assert.Subset(await run.EpisodeIdsAsync(), written);
        output.WriteLine($"finished: {ledger.Inserted} env steps stored, {ledger.Evicted} evicted, collectors reported {status.CollectedEnvSteps}");
    }
}
