using Fathom.Client.Plots;
using Fathom.Client.Results;

namespace Fathom.Client.Tests;

public class SeedCurvesTests
{
    static EvalPoint Point(string learner, long envSteps, double timeAtGoal, string role = "behaviour", int depth = 4) =>
        new("r", learner, role, depth, envSteps, envSteps / 50, timeAtGoal, 0, 0, 0);

    [Fact]
    public void A_curve_is_read_off_between_its_evaluations_and_held_at_its_ends()
    {
        List<EvalPoint> curve = [Point("l", 100, 10), Point("l", 300, 30), Point("l", 400, 0)];
        Assert.Equal(10, SeedCurves.At(curve, 50));
        Assert.Equal(20, SeedCurves.At(curve, 200), 9);
        Assert.Equal(30, SeedCurves.At(curve, 300));
        Assert.Equal(15, SeedCurves.At(curve, 350), 9);
        Assert.Equal(0, SeedCurves.At(curve, 500));
    }

    [Fact]
    public void Seeds_are_averaged_on_the_span_every_seed_covers_with_their_standard_error()
    {
        // Seed a evaluates at 0, 1000, 2000; seed b at 200 and 1800: the common span is 200-1800.
        List<EvalPoint> a = [Point("l", 0, 0), Point("l", 1000, 10), Point("l", 2000, 20), Point("random", 0, 2, role: "random", depth: 0)];
        List<EvalPoint> b = [Point("l", 200, 4), Point("l", 1800, 4)];

        var points = SeedCurves.Of([("crl", a), ("crl", b), ("sac", b)]);

        var crl = points.Where(p => p.Group == "crl").ToList();
        Assert.Equal(SeedCurves.GridSteps + 1, crl.Count);
        Assert.Equal(200, crl[0].EnvSteps);
        Assert.Equal(1800, crl[^1].EnvSteps);
        Assert.All(crl, p => Assert.Equal(2, p.Seeds));
        // At 1000 env steps: seed a reads 10, seed b 4; mean 7, standard error |10 - 4| / 2 = 3.
        var middle = crl.Single(p => p.EnvSteps == 1000);
        Assert.Equal(7, middle.TimeAtGoalMean, 9);
        Assert.Equal(3, middle.TimeAtGoalSe, 9);
        Assert.DoesNotContain(points, p => p.Learner == "random");
        Assert.All(points.Where(p => p.Group == "sac"), p => Assert.Equal((1, 4.0, 0.0), (p.Seeds, p.TimeAtGoalMean, p.TimeAtGoalSe)));
    }

    [Fact]
    public void Curves_round_trip_and_report_draws_them_and_each_algorithms_sweep()
    {
        var root = new RunFolder(ScratchFolder.Create("fathom-curves"));
        var all = new List<(string, IReadOnlyList<EvalPoint>)>();
        foreach (var algorithm in new[] { "crl", "sac" })
        {
            var sweep = RunFolder.Create(root.Path, algorithm);
            var runs = new List<SweepRun>();
            for (var seed = 0; seed < 2; seed++)
            {
                var run = RunFolder.Create(sweep.Path, $"d4-s{seed}");
                var evals = SampleResults.Evals(run.Name, 1 + seed);
                EvalCsv.Write(run.Eval, evals);
                runs.Add(SweepCsv.Score(4, seed, run.Name, evals));
                all.Add((algorithm, evals));
            }
            SweepCsv.WriteRuns(sweep.SweepRuns, runs);
            SweepCsv.WriteSummary(sweep.SweepSummary, SweepCsv.Summarise(runs));
        }
        var points = SeedCurves.Of(all);
        SeedCurves.Write(root.Curves, points);
        Assert.Equal(points, SeedCurves.Read(root.Curves));

        var written = Report.Draw(root);

        Assert.Equal((SeedCurvesPlot.Width, SeedCurvesPlot.Height), Png.Size(Path.Combine(root.Path, SeedCurvesPlot.FileName)));
        foreach (var algorithm in new[] { "crl", "sac" })
            Assert.Contains(Path.Combine(root.Path, algorithm, DepthSweepPlot.FileName), written);
        Assert.Contains(Path.Combine(root.Path, "sac", "d4-s1", EvalCurvesPlot.TimeAtGoal.FileName), written);
    }
}
