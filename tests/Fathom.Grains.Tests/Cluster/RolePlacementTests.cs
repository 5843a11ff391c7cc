using Fathom.Grains.Contracts;
using Fathom.Grains.Placement;
using Fathom.Grains.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Fathom.Grains.Tests.Cluster;

/// <summary>Silo roles (FATHOM_ROLE) decide where learners and collectors go, on a real three-silo cluster.</summary>
[Collection(GarnetCollection.Name)]
public sealed class RolePlacementTests(GarnetFixture garnet, ITestOutputHelper output)
{
    [Fact]
    public async Task Learners_go_only_to_learner_capable_silos_and_collectors_only_to_collector_capable_ones()
    {
        SiloRole[] roles = [SiloRole.Collector, SiloRole.Learner, SiloRole.Any];
        await using var cluster = await FathomTestCluster.StartAsync(3, $"127.0.0.1:{garnet.Server.Port}", roles);
        var roleOf = cluster.Silos.ToDictionary(s => s.SiloAddress.ToString(), s => roles[int.Parse(s.Name["Silo_".Length..])]);
        var spec = TestSpecs.CollectorVsLearner(budget: 1_000_000);
        spec = spec with { Collectors = [spec.Collectors[0] with { Count = 4 }] };
        var experiment = cluster.Client.GetGrain<IExperimentGrain>($"roles-{Guid.NewGuid():N}"[..16]);
        await experiment.Start(spec);

        ExperimentStatus status;
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        do
        {
            await Task.Delay(250);
            status = await experiment.GetStatus();
        } while ((status.Collectors.Length < 4 || status.Learners.Any(l => l.Silo.Length == 0)) && DateTime.UtcNow < deadline);
        await experiment.Stop();

        foreach (var l in status.Learners) output.WriteLine($"learner {l.Name} on {l.Silo} ({roleOf.GetValueOrDefault(l.Silo)})");
        foreach (var c in status.Collectors) output.WriteLine($"collector {c.Index} on {c.Silo} ({roleOf.GetValueOrDefault(c.Silo)})");
        Assert.Equal(4, status.Collectors.Length);
        Assert.Equal(3, status.Learners.Length);
        Assert.All(status.Learners, l => Assert.True(roleOf[l.Silo].Offers(SiloRole.Learner), $"learner {l.Name} on a {roleOf[l.Silo]} silo"));
        Assert.All(status.Collectors, c => Assert.True(roleOf[c.Silo].Offers(SiloRole.Collector), $"collector {c.Index} on a {roleOf[c.Silo]} silo"));
        // Spread evenly over the capable silos: 3 learners over 2 silos, 4 collectors over 2 silos.
        Assert.Equal(2, status.Learners.Select(l => l.Silo).Distinct().Count());
        Assert.Equal([2, 2], status.Collectors.GroupBy(c => c.Silo).Select(g => g.Count()).ToArray());
    }

    [Fact]
    public async Task A_run_whose_learners_no_silo_can_host_is_refused_at_start_naming_the_role()
    {
        await using var cluster = await FathomTestCluster.StartAsync(1, $"127.0.0.1:{garnet.Server.Port}", [SiloRole.Collector]);
        var run = $"norole-{Guid.NewGuid():N}"[..16];
        var experiment = cluster.Client.GetGrain<IExperimentGrain>(run);

        var error = await Assert.ThrowsAsync<RunRefusedException>(() => experiment.Start(TestSpecs.CollectorVsLearner(budget: 3_200)));
        output.WriteLine(error.Message);
        Assert.Contains("'learner'", error.Message);
        Assert.Contains("1 collector", error.Message);
        Assert.Contains("FATHOM_ROLE=learner", error.Message);
        Assert.Equal(ExperimentState.NotStarted, await experiment.GetState()); // nothing started, nothing recorded
    }
}
