using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;
using Fathom.Grains.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Fathom.Grains.Tests.Cluster;

/// <summary>
/// Every experiment spec behind docs/results.md (docs/results/*.yaml) runs end to end in miniature, so that they
/// cannot rot: the spec as committed, with narrow networks, few envs, short episodes and a tiny budget; learners,
/// roles, depths, ablations, algorithms and mazes stay as they are.
/// </summary>
[Collection(GarnetRunsCollection.Name)]
public sealed class ResultSpecsTests(GarnetFixture garnet, ITestOutputHelper output)
{
    public static TheoryData<string> SpecFiles => new(Files());

    static string[] Files() => Directory.GetFiles(ResultsFolder, "*.yaml").Select(f => Path.GetFileName(f)).Order().ToArray();

    static string ResultsFolder => Path.Combine(Fathom.Tests.RepoRoot.Path, "docs", "results");

    [Fact]
    public void Every_results_spec_is_found() => Assert.True(Files().Length >= 6, $"{Files().Length} specs in {ResultsFolder}");

    [Theory]
    [MemberData(nameof(SpecFiles))]
    public async Task A_results_spec_runs_end_to_end_in_miniature(string file)
    {
        var spec = Miniature(SpecLoader.LoadFile(Path.Combine(ResultsFolder, file)));
        await using var cluster = await FathomTestCluster.StartAsync(1, $"127.0.0.1:{garnet.Server.Port}");
        var experiment = cluster.Client.GetGrain<IExperimentGrain>($"spec-{Guid.NewGuid():N}"[..16]);
        await experiment.Start(spec);
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
        ExperimentStatus status;
        while (!(status = await experiment.GetStatus()).IsOver && DateTime.UtcNow < deadline) await Task.Delay(250);
        var results = await experiment.GetResults();
        output.WriteLine($"{file}: {status.State} at {status.EnvSteps} env steps {status.Error}");
        foreach (var curve in results.Learners) output.WriteLine($"  {curve.Name}: {curve.Points.Length} evaluations, last at {curve.Points.LastOrDefault()?.Updates} updates");

        Assert.True(status.State == ExperimentState.Finished, $"{file}: the run ended {status.State}: {status.Error}");
        Assert.Equal(spec.Learners.Select(l => l.Name).Order(), results.Learners.Select(c => c.Name).Order());
        Assert.All(results.Learners, c => Assert.True(c.Points.Length >= 2 && c.Points[^1].Updates > 0, $"{file}: learner {c.Name} did not train and evaluate"));
        Assert.True(spec.Learners.Length == results.Topology.Length,
            $"{file}: topology probes of {string.Join(", ", results.Topology.Select(t => t.Learner))} only; learners: {string.Join("; ", status.Learners.Select(l => $"{l.Name} {l.State} {l.Error}"))}");
    }

    /// <summary>The spec at a size that runs in seconds on 2 cores.</summary>
    static ExperimentSpec Miniature(ExperimentSpec spec) => spec with
    {
        Environment = spec.Environment with { EpisodeLength = 20 },
        Collectors = [.. spec.Collectors.Select(c => c with { Envs = 8 })],
        Learners = [.. spec.Learners.Select(l => l with { Actor = l.Actor with { Width = 16 }, Critic = l.Critic with { Width = 16 }, Batch = 16 })],
        Replay = spec.Replay with { MinTransitions = 320, CapacityTransitions = 100_000 },
        BudgetEnvSteps = 320 * spec.Collectors.Length + 1_600,
        Evaluation = spec.Evaluation with { PeriodUpdates = 10, Episodes = 4 },
        CheckpointPeriodUpdates = 20,
    };
}
