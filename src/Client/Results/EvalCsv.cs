namespace Fathom.Client.Results;

/// <summary>
/// One evaluation of one learner's deterministic policy: a row of eval.csv.
/// Columns: run; learner (name in the spec); role (behaviour = the collector's network,
/// passive = trains from the shared store only, random = uniform random policy baseline);
/// depth (residual Dense layers of the critic); env_steps (collected by the whole run when
/// the evaluation started); updates (this learner's SGD steps); time_at_goal (mean steps per
/// eval episode within the success radius); time_at_goal_se (its standard error over eval
/// envs); success_any (fraction of eval episodes that reached the goal at least once);
/// final_distance (mean goal distance at the last step); final_distance_se (its standard error over eval envs;
/// empty in files written before the column existed).
/// </summary>
public sealed record EvalPoint(
    string Run, string Learner, string Role, int Depth, long EnvSteps, long Updates,
    double TimeAtGoal, double TimeAtGoalSe, double SuccessAny, double FinalDistance, double FinalDistanceSe = double.NaN);

public static class EvalCsv
{
    public const string FileName = "eval.csv";

    public static readonly string[] Columns =
        ["run", "learner", "role", "depth", "env_steps", "updates", "time_at_goal", "time_at_goal_se", "success_any", "final_distance", "final_distance_se"];

    /// <summary>The header before final_distance_se: still read, so published results redraw.</summary>
    static readonly string[] ColumnsWithoutDistanceSe = Columns[..^1];

    public static void Write(string path, IEnumerable<EvalPoint> points)
    {
        var table = new CsvTable(Columns);
        foreach (var p in points)
            table.Add(p.Run, p.Learner, p.Role, p.Depth, p.EnvSteps, p.Updates, p.TimeAtGoal, p.TimeAtGoalSe, p.SuccessAny, p.FinalDistance, p.FinalDistanceSe);
        table.Write(path);
    }

    public static List<EvalPoint> Read(string path)
    {
        var t = CsvTable.Read(path);
        var hasDistanceSe = !t.Columns.SequenceEqual(ColumnsWithoutDistanceSe);
        if (hasDistanceSe) t.Expect(Columns, path);
        return t.Rows.Select(r => new EvalPoint(
            t.Get(r, "run"), t.Get(r, "learner"), t.Get(r, "role"), (int)t.GetLong(r, "depth"),
            t.GetLong(r, "env_steps"), t.GetLong(r, "updates"), t.GetDouble(r, "time_at_goal"),
            t.GetDouble(r, "time_at_goal_se"), t.GetDouble(r, "success_any"), t.GetDouble(r, "final_distance"),
            hasDistanceSe ? t.GetDouble(r, "final_distance_se") : double.NaN)).ToList();
    }
}
