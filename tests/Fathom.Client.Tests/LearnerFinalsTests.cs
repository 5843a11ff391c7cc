using Fathom.Client.Plots;
using Fathom.Client.Results;

namespace Fathom.Client.Tests;

public class LearnerFinalsTests
{
    /// <summary>A sweep folder of two seeds of SampleResults (the second learns twice as fast), a probe in the first only.</summary>
    static RunFolder TwoSeedSweep()
    {
        var sweep = new RunFolder(ScratchFolder.Create("fathom-finals"));
        var runs = new List<SweepRun>();
        for (var seed = 1; seed <= 2; seed++)
        {
            var run = RunFolder.Create(sweep.Path, $"s{seed - 1}");
            var evals = SampleResults.Evals(run.Name, deepGain: seed);
            EvalCsv.Write(run.Eval, evals);
            if (seed == 1) TopologyCsv.Write(run.Topology, SampleResults.UMaze(run.Name));
            runs.Add(SweepCsv.Score(32, seed, run.Name, evals));
        }
        SweepCsv.WriteRuns(sweep.SweepRuns, runs);
        return sweep;
    }

    [Fact]
    public void Every_learner_of_every_run_is_scored_with_its_critics_rank_correlations()
    {
        var sweep = TwoSeedSweep();

        Assert.True(LearnerFinals.WriteFor(sweep));
        var finals = LearnerFinals.Read(Path.Combine(sweep.Path, LearnerFinals.FileName));

        Assert.Equal(6, finals.Count); // random, collector and shallow in each of the two runs
        // The collector's last five evaluations read 6 i g for i = 4..8: mean 36 g.
        Assert.Equal([36.0, 72.0], finals.Where(f => f.Learner == "collector").OrderBy(f => f.Seed).Select(f => f.FinalTimeAtGoal));
        Assert.Equal(12.0, finals.Single(f => f.Learner == "shallow" && f.Seed == 1).FinalTimeAtGoal, 9);
        Assert.Equal(1.7, finals.Single(f => f.Learner == "random" && f.Seed == 2).FinalTimeAtGoal, 9);
        // The sample's shallow critic ranks the U maze by straight line exactly; the second run has no probe.
        var probed = finals.Single(f => f.Learner == "shallow" && f.Run == "s0");
        Assert.Equal(1.0, probed.RhoEuclidean, 9);
        Assert.True(probed.RhoGeodesic < 0.9, $"rho geodesic {probed.RhoGeodesic}");
        Assert.True(double.IsNaN(finals.Single(f => f.Learner == "shallow" && f.Run == "s1").RhoGeodesic));
        Assert.True(double.IsNaN(finals.Single(f => f.Learner == "collector" && f.Run == "s0").RhoGeodesic)); // not in the probe
    }

    [Fact]
    public void Report_writes_the_finals_and_describes_each_learner_over_seeds()
    {
        var sweep = TwoSeedSweep();

        Report.Draw(sweep);
        var lines = Report.Finals(sweep).ToList();

        Assert.True(File.Exists(Path.Combine(sweep.Path, LearnerFinals.FileName)));
        Assert.Equal(3, lines.Count);
        // Mean of 36 and 72, standard error |72 - 36| / 2.
        Assert.Contains("collector (behaviour, depth 32): final time at goal 54.0 ± 18.0 over 2 seeds (36.0, 72.0)", lines);
        Assert.Contains(lines, l => l.StartsWith("shallow (passive, depth 4): final time at goal 12.0 ± 0.0 over 2 seeds (12.0, 12.0); rho geodesic ", StringComparison.Ordinal)
            && l.EndsWith(", Euclidean 1.00", StringComparison.Ordinal));
        Assert.Contains("random: final time at goal 1.7 ± 0.0 over 2 seeds (1.7, 1.7)", lines);
    }

    [Fact]
    public void A_learner_scored_in_several_runs_of_one_seed_is_counted_by_runs_not_as_more_seeds()
    {
        // A depth sweep with one seed: the random policy is scored in each depth's run, all of seed 1.
        LearnerFinal Random(string run, double tag) => new("", run, 1, "random", "random", 0, tag, 0, 3.4, double.NaN, double.NaN);
        LearnerFinal Learner(string run, int depth, double tag) => new("", run, 1, "learner", "behaviour", depth, tag, 0, 2, double.NaN, double.NaN);
        var finals = new[] { Random("d4-s0", 0.2), Learner("d4-s0", 4, 28.9), Random("d16-s0", 0.0), Learner("d16-s0", 16, 19.3), Random("d64-s0", 0.1) };

        var lines = LearnerFinals.Describe(LearnerFinals.Summarise(finals)).ToList();

        Assert.Contains("random: final time at goal 0.1 ± 0.1 over 3 runs of 1 seed (0.2, 0.0, 0.1)", lines);
        Assert.Contains("learner (behaviour, depth 4): final time at goal 28.9 ± 0.0 over 1 seed (28.9)", lines);
        Assert.Contains("learner (behaviour, depth 16): final time at goal 19.3 ± 0.0 over 1 seed (19.3)", lines);
    }

    [Fact]
    public void A_run_folder_without_a_sweep_gets_no_finals()
    {
        var run = new RunFolder(ScratchFolder.Create("fathom-finals-run"));
        EvalCsv.Write(run.Eval, SampleResults.Evals("r"));

        Assert.False(LearnerFinals.WriteFor(run));
        Assert.Empty(Report.Finals(run));
    }
}
