using System.Diagnostics;
using Fathom.Grains.Contracts;
using Xunit.Abstractions;

namespace Fathom.Cluster.Tests;

/// <summary>
/// `per_silo` collectors on real processes: a collector silo that joins mid-run gets its share and collects; one that
/// leaves (a graceful scale-in: SIGTERM, as Kubernetes sends) loses its share, and the run still finishes.
/// </summary>
[Collection(ClusterFixture.Collection)]
public sealed class ElasticCollectorTests(ClusterFixture fixture, ITestOutputHelper output)
{
    const long Budget = 32_000;
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(6);
    FathomNetnsCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task ACollectorSiloJoinsAndLeavesDuringARun_ItsShareFollowsIt()
    {
        await fixture.EnsureRunningAsync();
        var spare = ClusterFixture.Spare;
        var run = ClusterRun.Start(Cluster, "elastic", FaultSpecs.Yaml(Budget, collectors: 1, collectorCount: "per_silo"));
        try
        {
            var first = await run.WaitForEnvStepsAsync(Budget / 5, Timeout);
            Assert.Equal([0, 1], first.Collectors.Select(c => fixture.SiloIndexOf(c.Silo)).Order());

            var clock = Stopwatch.StartNew();
            Cluster.StartSilo(spare, "collector", ClusterFixture.SiloCpu);
            await Cluster.WaitForSiloAsync(spare, Timeout);
            var joined = await run.WaitForAsync(s => s.Collectors.Any(c => fixture.SiloIndexOf(c.Silo) == spare && c.Episodes > 0), Timeout);
            var newcomer = joined.Collectors.Single(c => fixture.SiloIndexOf(c.Silo) == spare);
            output.WriteLine($"silo {spare} joined at {first.EnvSteps} env steps; its collector {newcomer.Index} had written {newcomer.Episodes} episodes {clock.Elapsed.TotalSeconds:0} s after the silo started");
            Assert.Equal(3, joined.Collectors.Length);
            Assert.Contains(await run.EpisodeIdsAsync(), id => id.StartsWith(newcomer.Producer, StringComparison.Ordinal));

            clock.Restart();
            Cluster.Silo(spare).Signal(HostProcess.SigTerm); // scale-in: a graceful shutdown
            Assert.True(await Cluster.Silo(spare).WaitForExitAsync(TimeSpan.FromMinutes(1)), $"silo {spare} did not shut down:\n{Cluster.Silo(spare).Tail()}");
            var left = await run.WaitForAsync(s => s.Collectors.Length == 2 && s.Collectors.All(c => fixture.SiloIndexOf(c.Silo) != spare), Timeout);
            output.WriteLine($"silo {spare} left; its share was dropped {clock.Elapsed.TotalSeconds:0} s after SIGTERM, at {left.EnvSteps} env steps");

            Assert.True(await run.WaitForClientAsync(Timeout) == 0, $"fathom run exited {run.Client.ExitCode}\n{run.Diagnostics()}");
            var (status, ledger) = await run.ReconcileAsync(Budget, collectorsKilled: true);
            Assert.Null(status.Error);
            output.WriteLine($"finished: {ledger.Inserted} env steps stored, collectors reported {status.CollectedEnvSteps}");
        }
        finally
        {
            if (Cluster.Silos.Any(s => s.Index == spare && !s.Process.HasExited)) Cluster.Silo(spare).Kill();
        }
    }

}
