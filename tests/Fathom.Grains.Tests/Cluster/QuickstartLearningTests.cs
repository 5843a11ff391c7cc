using System.Diagnostics;
using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Learner.Envs;
using Fathom.Learner.Evaluation;
using Xunit.Abstractions;

namespace Fathom.Grains.Tests.Cluster;

/// <summary>
/// Learning, end to end through the whole system: the quickstart preset (fixed seed) on a silo with embedded
/// Garnet must leave its learner far above the random policy on u_maze_eval after the first 250,000 of the preset's
/// 400,000 env steps (the curve has levelled off by then, and CI's time is short). The test evaluates more often than
/// the preset, to judge the mean of the last evaluations as the paper does; everything else is the preset as shipped.
/// </summary>
[Collection(QuickstartCollection.Name)]
public sealed class QuickstartLearningTests(GarnetFixture garnet, ITestOutputHelper output)
{
    private const long EvaluationPeriod = 250;

    private const long Budget = 250_000;

    [Fact]
    public async Task The_quickstart_learner_beats_the_random_policy_on_the_u_maze_by_a_wide_margin()
    {
        var clock = Stopwatch.StartNew();
        var preset = Presets.Load("quickstart");
        var spec = preset with
        {
            BudgetEnvSteps = Budget,
            Evaluation = preset.Evaluation with { PeriodUpdates = EvaluationPeriod },
        };
        await using var cluster = await FathomTestCluster.StartAsync(1, $"127.0.0.1:{garnet.Server.Port}");
        var experiment = cluster.Client.GetGrain<IExperimentGrain>($"quick-{Guid.NewGuid():N}"[..16]);
        await experiment.Start(spec);
        while (!(await experiment.GetStatus()).IsOver)
        {
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(15), "quickstart did not finish within 15 minutes");
            await Task.Delay(1000);
        }
        var status = await experiment.GetStatus();
        var curve = (await experiment.GetResults()).Learners.Single();
        var random = ReferenceFigures.Random(spec.Environment.EvalLayout, spec.Evaluation.Episodes, seed: 1,
            new PointMazeSettings { EpisodeLength = spec.Environment.EpisodeLength });
        var last = curve.Points[^1];
        output.WriteLine($"{status.State} after {clock.Elapsed.TotalSeconds:F0} s, {status.EnvSteps} env steps, {last.Updates} updates{(status.Error is null ? "" : $": {status.Error}")}");
        output.WriteLine($"curve: {string.Join(", ", curve.Points.Select(p => $"u{p.Updates}: {p.TimeAtGoalMean:F1} ({p.SuccessAny:F2})"))}");
        output.WriteLine($"random: time at goal {random.TimeAtGoalMean:F2} ± {random.TimeAtGoalStdErr:F2}, success-any {random.SuccessAny:F2}");

        Assert.True(status.State == ExperimentState.Finished, $"the run ended {status.State}: {status.Error}");
        var learned = curve.Points.TakeLast(4).Average(p => p.TimeAtGoalMean);
        output.WriteLine($"learned (mean of the last 4 evaluations): {learned:F1}");
        // Generous: a learned policy reaches 40-60 here, random about 2; the bar is 8x random and at least 15.
        Assert.True(learned > Math.Max(15, 8 * random.TimeAtGoalMean),
            $"time at goal {learned:F1} (mean of the last 4 evaluations) is not far above random's {random.TimeAtGoalMean:F1}");
    }
}
