using Fathom.Learner.Evaluation;

namespace Fathom.Client.Results;

/// <summary>
/// One point of a learner's curve averaged over seeds: time at goal at <paramref name="EnvSteps"/>, mean and standard
/// error over the <paramref name="Seeds"/> runs, each run's curve read off by linear interpolation between its evaluations.
/// </summary>
public sealed record SeedCurvePoint(string Group, string Learner, string Role, int Depth, long EnvSteps, int Seeds,
    double TimeAtGoalMean, double TimeAtGoalSe);

/// <summary>
/// curves.csv of a sweep: every learner's time at goal against env steps, mean ± standard error over seeds, so that
/// curves of different groups (algorithms or network variants) and depths compare at equal env steps. Runs evaluate at update counts, whose env
/// steps differ from seed to seed, so each seed's curve is interpolated onto a common grid that every seed covers.
/// </summary>
public static class SeedCurves
{
    public const string FileName = "curves.csv";

    /// <summary>Grid points per curve: the span every seed covers, cut into this many equal steps.</summary>
    public const int GridSteps = 20;

    public static readonly string[] Columns =
        ["group", "learner", "role", "depth", "env_steps", "seeds", "time_at_goal_mean", "time_at_goal_se"];

    /// <summary>
    /// Averages the curves of <paramref name="runs"/> (each: its group and its eval.csv rows) per group,
    /// learner and depth. The random policy's rows are left out; a group whose seeds share no env-step span is left out.
    /// </summary>
    public static List<SeedCurvePoint> Of(IEnumerable<(string Group, IReadOnlyList<EvalPoint> Evals)> runs)
    {
        var curves = runs.SelectMany(run => run.Evals.Where(p => p.Role != "random").GroupBy(p => p.Learner)
                .Select(g => (run.Group, Learner: g.Key, g.First().Role, g.First().Depth,
                    Points: g.OrderBy(p => p.EnvSteps).ThenBy(p => p.Updates).ToList())))
            .Where(c => c.Points.Count > 0);
        var result = new List<SeedCurvePoint>();
        foreach (var group in curves.GroupBy(c => (c.Group, c.Learner, c.Role, c.Depth)))
        {
            var seeds = group.Select(c => c.Points).ToList();
            long from = seeds.Max(s => s[0].EnvSteps), to = seeds.Min(s => s[^1].EnvSteps);
            if (to < from) continue;
            var grid = to == from ? [from] : Enumerable.Range(0, GridSteps + 1).Select(i => from + (to - from) * i / GridSteps).Distinct();
            foreach (var steps in grid)
            {
                var (mean, se) = SampleMean.WithStdErr(seeds.Select(s => At(s, steps)).ToList());
                result.Add(new SeedCurvePoint(group.Key.Group, group.Key.Learner, group.Key.Role, group.Key.Depth, steps, seeds.Count, mean, se));
            }
        }
        return result;
    }

    /// <summary>
    /// Derives curves.csv of <paramref name="folder"/> from its runs' eval.csv: a sweep folder's runs (its sweep-runs.csv),
    /// or for the root of an --algorithms or --variants sweep every group's runs, labelled with the group's folder. False (and
    /// nothing written) for any other folder.
    /// </summary>
    public static bool WriteFor(RunFolder folder)
    {
        var groups = Directory.GetDirectories(folder.Path).Order().Select(d => new RunFolder(d)).Where(f => File.Exists(f.SweepRuns)).ToList();
        var runs = File.Exists(folder.SweepRuns) ? RunsOf(folder, "").ToList() : groups.SelectMany(a => RunsOf(a, a.Name)).ToList();
        if (runs.Count == 0) return false;
        Write(folder.Curves, Of(runs));
        return true;
    }

    /// <summary>The runs a sweep folder lists that have an eval.csv, each with <paramref name="group"/> as label.</summary>
    static IEnumerable<(string Group, IReadOnlyList<EvalPoint> Evals)> RunsOf(RunFolder sweep, string group) =>
        SweepCsv.ReadRuns(sweep.SweepRuns).Select(r => new RunFolder(Path.Combine(sweep.Path, r.Run))).Where(f => File.Exists(f.Eval))
            .Select(f => (group, (IReadOnlyList<EvalPoint>)EvalCsv.Read(f.Eval)));

    /// <summary>Time at goal of one curve (ordered by env steps) at <paramref name="steps"/>, inside its span.</summary>
    public static double At(IReadOnlyList<EvalPoint> curve, long steps)
    {
        int after = 0;
        while (after < curve.Count - 1 && curve[after].EnvSteps < steps) after++;
        if (after == 0 || curve[after].EnvSteps <= steps) return curve[after].TimeAtGoal;
        var (a, b) = (curve[after - 1], curve[after]);
        if (b.EnvSteps == a.EnvSteps) return b.TimeAtGoal;
        return a.TimeAtGoal + (b.TimeAtGoal - a.TimeAtGoal) * (steps - a.EnvSteps) / (b.EnvSteps - a.EnvSteps);
    }

    public static void Write(string path, IEnumerable<SeedCurvePoint> points)
    {
        var table = new CsvTable(Columns);
        foreach (var p in points) table.Add(p.Group, p.Learner, p.Role, p.Depth, p.EnvSteps, p.Seeds, p.TimeAtGoalMean, p.TimeAtGoalSe);
        table.Write(path);
    }

    public static List<SeedCurvePoint> Read(string path)
    {
        var t = CsvTable.Read(path).Expect(Columns, path);
        return t.Rows.Select(r => new SeedCurvePoint(t.Get(r, "group"), t.Get(r, "learner"), t.Get(r, "role"), (int)t.GetLong(r, "depth"),
            t.GetLong(r, "env_steps"), (int)t.GetLong(r, "seeds"), t.GetDouble(r, "time_at_goal_mean"), t.GetDouble(r, "time_at_goal_se"))).ToList();
    }
}
