using Fathom.Learner.Evaluation;

namespace Fathom.Client.Results;

/// <summary>
/// A depth sweep's two tables. sweep-runs.csv has one row per run: depth; seed; run (its folder
/// under the sweep); learner (the behaviour learner whose curve is scored); final_time_at_goal,
/// final_success_any, final_distance (means of its last five evaluations).
/// summary.csv has one row per depth: depth; seeds (runs that produced a score);
/// final_time_at_goal_mean and final_time_at_goal_se (mean and standard error over seeds);
/// final_success_any_mean; final_distance_mean.
/// </summary>
public sealed record SweepRun(int Depth, int Seed, string Run, string Learner, double FinalTimeAtGoal, double FinalSuccessAny, double FinalDistance);

public sealed record SweepDepth(int Depth, int Seeds, double FinalTimeAtGoalMean, double FinalTimeAtGoalSe, double FinalSuccessAnyMean, double FinalDistanceMean);

public static class SweepCsv
{
    public const string RunsFileName = "sweep-runs.csv";
    public const string SummaryFileName = "summary.csv";

    public static readonly string[] RunColumns =
        ["depth", "seed", "run", "learner", "final_time_at_goal", "final_success_any", "final_distance"];

    public static readonly string[] SummaryColumns =
        ["depth", "seeds", "final_time_at_goal_mean", "final_time_at_goal_se", "final_success_any_mean", "final_distance_mean"];

    /// <summary>Scores one finished run of the sweep from its eval.csv (the behaviour learner's curve).</summary>
    public static SweepRun Score(int depth, int seed, string run, IReadOnlyList<EvalPoint> evals)
    {
        var behaviour = evals.Where(p => p.Role == "behaviour").ToList();
        var learner = behaviour.Count > 0 ? behaviour[0].Learner : "";
        var (tag, success, distance) = FinalScore.Of(behaviour);
        return new SweepRun(depth, seed, run, learner, tag, success, distance);
    }

    /// <summary>One row per depth: mean and standard error over the seeds that produced a score.</summary>
    public static List<SweepDepth> Summarise(IEnumerable<SweepRun> runs) =>
        runs.Where(r => !double.IsNaN(r.FinalTimeAtGoal)).GroupBy(r => r.Depth).OrderBy(g => g.Key).Select(g =>
        {
            var (mean, se) = SampleMean.WithStdErr(g.Select(r => r.FinalTimeAtGoal).ToList());
            return new SweepDepth(g.Key, g.Count(), mean, se, g.Average(r => r.FinalSuccessAny), g.Average(r => r.FinalDistance));
        }).ToList();

    public static void WriteRuns(string path, IEnumerable<SweepRun> runs)
    {
        var table = new CsvTable(RunColumns);
        foreach (var r in runs) table.Add(r.Depth, r.Seed, r.Run, r.Learner, r.FinalTimeAtGoal, r.FinalSuccessAny, r.FinalDistance);
        table.Write(path);
    }

    public static void WriteSummary(string path, IEnumerable<SweepDepth> depths)
    {
        var table = new CsvTable(SummaryColumns);
        foreach (var d in depths) table.Add(d.Depth, d.Seeds, d.FinalTimeAtGoalMean, d.FinalTimeAtGoalSe, d.FinalSuccessAnyMean, d.FinalDistanceMean);
        table.Write(path);
    }

    public static List<SweepDepth> ReadSummary(string path)
    {
        var t = CsvTable.Read(path).Expect(SummaryColumns, path);
        return t.Rows.Select(r => new SweepDepth((int)t.GetLong(r, "depth"), (int)t.GetLong(r, "seeds"),
            t.GetDouble(r, "final_time_at_goal_mean"), t.GetDouble(r, "final_time_at_goal_se"),
            t.GetDouble(r, "final_success_any_mean"), t.GetDouble(r, "final_distance_mean"))).ToList();
    }

    public static List<SweepRun> ReadRuns(string path)
    {
        var t = CsvTable.Read(path).Expect(RunColumns, path);
        return t.Rows.Select(r => new SweepRun((int)t.GetLong(r, "depth"), (int)t.GetLong(r, "seed"), t.Get(r, "run"), t.Get(r, "learner"),
            t.GetDouble(r, "final_time_at_goal"), t.GetDouble(r, "final_success_any"), t.GetDouble(r, "final_distance"))).ToList();
    }
}
