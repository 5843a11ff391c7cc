using Fathom.Client.Results;
using Fathom.Learner.Evaluation;

namespace Fathom.Client.Tests;

public class ResultsCsvTests
{
    static string TempFile() => Path.Combine(ScratchFolder.Create("fathom-csv"), "t.csv");

    [Fact]
    public void CsvTable_RoundTripsQuotedFieldsAndNumbers()
    {
        var path = TempFile();
        var table = new CsvTable(["name", "value"]);
        table.Add("plain", 1.5);
        table.Add("with, comma and \"quote\"", double.NaN);
        table.Add("line\nbreak", 1e-7);
        table.Write(path);

        var read = CsvTable.Read(path);
        Assert.Equal(["name", "value"], read.Columns);
        Assert.Equal(3, read.Rows.Count);
        Assert.Equal("with, comma and \"quote\"", read.Get(read.Rows[1], "name"));
        Assert.True(double.IsNaN(read.GetDouble(read.Rows[1], "value")));
        Assert.Equal("line\nbreak", read.Get(read.Rows[2], "name"));
        Assert.Equal(1e-7, read.GetDouble(read.Rows[2], "value"));
    }

    [Fact]
    public void CsvTable_RejectsWrongColumnsNamingThem()
    {
        var path = TempFile();
        File.WriteAllText(path, "run,learner\nx,y\n");
        var error = Assert.Throws<FormatException>(() => EvalCsv.Read(path));
        Assert.Contains("time_at_goal", error.Message);
        File.WriteAllText(path, "a,b\n1,2,3\n");
        Assert.Contains("line 2", Assert.Throws<FormatException>(() => CsvTable.Read(path)).Message);
    }

    [Fact]
    public void EvalAndTopology_RoundTrip()
    {
        var evalPath = TempFile();
        var evals = SampleResults.Evals("r1");
        EvalCsv.Write(evalPath, evals);
        Assert.Equal(evals, EvalCsv.Read(evalPath));
        Assert.StartsWith("run,learner,role,depth,env_steps,updates,time_at_goal,time_at_goal_se,success_any,final_distance,final_distance_se\n", File.ReadAllText(evalPath));

        var topoPath = TempFile();
        var cells = SampleResults.UMaze("r1");
        TopologyCsv.Write(topoPath, cells);
        var read = TopologyCsv.Read(topoPath);
        Assert.Equal(cells.Count, read.Count);
        Assert.Equal(cells.Count(c => c.Wall), read.Count(c => c.Wall));
        Assert.Equal(cells.Where(c => !c.Wall).Select(c => c.Q), read.Where(c => !c.Wall).Select(c => c.Q));
    }

    [Fact]
    public void EvalRead_TakesFilesWrittenBeforeTheDistanceStandardError()
    {
        var path = TempFile();
        File.WriteAllText(path, "run,learner,role,depth,env_steps,updates,time_at_goal,time_at_goal_se,success_any,final_distance\n" +
            "r,deep,behaviour,16,1000,20,12.5,1.5,0.25,1.75\n");
        var point = Assert.Single(EvalCsv.Read(path));
        Assert.Equal((12.5, 1.75), (point.TimeAtGoal, point.FinalDistance));
        Assert.True(double.IsNaN(point.FinalDistanceSe));

        File.WriteAllText(path, "run,learner,role,depth,env_steps,updates,time_at_goal,time_at_goal_se,success_any,final_distance,extra\n" +
            "r,deep,behaviour,16,1000,20,12.5,1.5,0.25,1.75,9\n");
        Assert.Contains("expected", Assert.Throws<FormatException>(() => EvalCsv.Read(path)).Message);
    }

    [Fact]
    public void MetricsAppend_WritesHeaderOnceAndKeepsEarlierRows()
    {
        var path = TempFile();
        MetricsCsv.Append(path, [new("r", 1.0, "a", "behaviour", 4, 100, 50, 3, 1.5, 0.1, 0, 0.25)]);
        MetricsCsv.Append(path, [new("r", 2.0, "a", "behaviour", 4, 200, 100, 6, 3, 0.2, 1, 0.125), new("r", 2.0, "b", "passive", 8, 200, 100, 5, 2.5, 0.2, 1, 0)]);
        var rows = MetricsCsv.Read(path);
        Assert.Equal(3, rows.Count);
        Assert.Equal([100L, 200, 200], rows.Select(r => r.EnvSteps));
        Assert.Equal([0.25, 0.125, 0], rows.Select(r => r.DataWaitFraction));
        Assert.Single(File.ReadLines(path), l => l.StartsWith("run,"));
    }

    [Fact]
    public void FinalScore_IsMeanOfLastFiveEvaluations()
    {
        var curve = Enumerable.Range(1, 8).Select(i => new EvalPoint("r", "a", "behaviour", 4, i * 10, i, i * 10.0, 0, i / 10.0, 0)).Reverse().ToList();
        var (tag, success, _) = FinalScore.Of(curve);
        Assert.Equal((40 + 50 + 60 + 70 + 80) / 5.0, tag, 9);
        Assert.Equal(0.6, success, 9);
        var (mean, se) = SampleMean.WithStdErr([1.0, 2.0, 3.0]);
        Assert.Equal(2.0, mean, 9);
        Assert.Equal(1.0 / Math.Sqrt(3), se, 9);
        Assert.Equal(0.0, SampleMean.WithStdErr([5.0]).StdErr);
    }

    [Fact]
    public void Sweep_ScoresBehaviourLearnerAndAggregatesOverSeeds()
    {
        var runs = new List<SweepRun>();
        foreach (var depth in new[] { 4, 16 })
            for (var seed = 0; seed < 3; seed++)
            {
                var evals = Enumerable.Range(1, 5).Select(i => new EvalPoint("r", $"d{depth}", "behaviour", depth, i, i, depth + seed, 0, 0.5, 1.0))
                    .Append(new EvalPoint("r", "other", "passive", 4, 5, 5, 999, 0, 1, 0)).ToList();
                runs.Add(SweepCsv.Score(depth, seed, $"d{depth}-s{seed}", evals));
            }
        Assert.All(runs, r => Assert.StartsWith("d", r.Learner));
        var summary = SweepCsv.Summarise(runs);
        Assert.Equal([4, 16], summary.Select(d => d.Depth));
        Assert.Equal(5.0, summary[0].FinalTimeAtGoalMean, 9);
        Assert.Equal(17.0, summary[1].FinalTimeAtGoalMean, 9);
        Assert.Equal(1.0 / Math.Sqrt(3), summary[1].FinalTimeAtGoalSe, 9);
        Assert.All(summary, d => Assert.Equal(3, d.Seeds));

        var folder = ScratchFolder.Create("fathom-sweep");
        SweepCsv.WriteSummary(Path.Combine(folder, "summary.csv"), summary);
        SweepCsv.WriteRuns(Path.Combine(folder, "sweep-runs.csv"), runs);
        Assert.Equal(summary, SweepCsv.ReadSummary(Path.Combine(folder, "summary.csv")));
        Assert.Equal(runs, SweepCsv.ReadRuns(Path.Combine(folder, "sweep-runs.csv")));
    }
}
