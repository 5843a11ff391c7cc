using System.Globalization;
using Fathom.Client.Plots;
using Fathom.Learner.Evaluation;

namespace Fathom.Client.Results;

/// <summary>
/// One learner of one run at its end: its final score (the mean of its last five evaluations, <see cref="FinalScore"/>)
/// and its critic's rank correlations with minus the path and minus the straight-line distance to the goal (the
/// topology probe; NaN when the run has no probe or the learner is the random policy).
/// </summary>
public sealed record LearnerFinal(string Group, string Run, int Seed, string Learner, string Role, int Depth,
    double FinalTimeAtGoal, double FinalSuccessAny, double FinalDistance, double RhoGeodesic, double RhoEuclidean);

/// <summary>
/// One learner over the runs of a sweep: its final time at goal per run (in seed order), their mean and standard error.
/// The random policy is scored in every run, so in a depth sweep it has several runs per seed.
/// </summary>
public sealed record LearnerOverSeeds(string Group, string Learner, string Role, int Depth, IReadOnlyList<int> Seeds, IReadOnlyList<double> PerSeed,
    double FinalTimeAtGoalMean, double FinalTimeAtGoalSe, IReadOnlyList<double> RhoGeodesic, IReadOnlyList<double> RhoEuclidean);

/// <summary>
/// finals.csv of a sweep: every learner of every run, passive learners and the random policy included, with its final
/// score and topology correlations, the table behind a collector-vs-learner or ablation reading (sweep-runs.csv scores
/// the behaviour learner only). Columns: group (the algorithm or network variant of a grouped sweep, else empty); run; seed; learner; role; depth; final_time_at_goal;
/// final_success_any; final_distance; rho_geodesic; rho_euclidean (empty without a probe).
/// </summary>
public static class LearnerFinals
{
    public const string FileName = "finals.csv";

    public static readonly string[] Columns =
        ["group", "run", "seed", "learner", "role", "depth", "final_time_at_goal", "final_success_any", "final_distance", "rho_geodesic", "rho_euclidean"];

    /// <summary>Every learner of one run, from its eval.csv and, when there is one, its topology.csv.</summary>
    public static List<LearnerFinal> OfRun(string group, int seed, RunFolder run)
    {
        var topology = File.Exists(run.Topology) ? TopologyCsv.Read(run.Topology) : [];
        return EvalCsv.Read(run.Eval).GroupBy(p => p.Learner).Select(g =>
        {
            var (tag, success, distance) = FinalScore.Of(g);
            var cells = topology.Where(c => c.Learner == g.Key).ToList();
            var (geodesic, euclidean) = cells.Count > 0 ? TopologyPlot.Correlations(cells) : (double.NaN, double.NaN);
            return new LearnerFinal(group, run.Name, seed, g.Key, g.First().Role, g.First().Depth, tag, success, distance, geodesic, euclidean);
        }).ToList();
    }

    /// <summary>Groups the rows per group, learner, role and depth, in the order they first appear.</summary>
    public static List<LearnerOverSeeds> Summarise(IEnumerable<LearnerFinal> finals) =>
        finals.GroupBy(f => (f.Group, f.Learner, f.Role, f.Depth)).Select(g =>
        {
            var seeds = g.OrderBy(f => f.Seed).ToList();
            var scored = seeds.Where(f => double.IsFinite(f.FinalTimeAtGoal)).ToList();
            var scores = scored.Select(f => f.FinalTimeAtGoal).ToList();
            var (mean, se) = SampleMean.WithStdErr(scores);
            return new LearnerOverSeeds(g.Key.Group, g.Key.Learner, g.Key.Role, g.Key.Depth, scored.Select(f => f.Seed).ToList(), scores, mean, se,
                seeds.Select(f => f.RhoGeodesic).Where(double.IsFinite).ToList(), seeds.Select(f => f.RhoEuclidean).Where(double.IsFinite).ToList());
        }).ToList();

    /// <summary>
    /// Derives finals.csv of <paramref name="folder"/> as <see cref="SeedCurves.WriteFor"/> derives curves.csv: from the
    /// runs its sweep-runs.csv lists, or at the root of an --algorithms or --variants sweep from every group's. False (nothing
    /// written) for any other folder.
    /// </summary>
    public static bool WriteFor(RunFolder folder)
    {
        var finals = File.Exists(folder.SweepRuns)
            ? RunsOf(folder, "")
            : Directory.GetDirectories(folder.Path).Order().Select(d => new RunFolder(d)).Where(f => File.Exists(f.SweepRuns)).SelectMany(a => RunsOf(a, a.Name));
        var rows = finals.ToList();
        if (rows.Count == 0) return false;
        Write(System.IO.Path.Combine(folder.Path, FileName), rows);
        return true;
    }

    static IEnumerable<LearnerFinal> RunsOf(RunFolder sweep, string group) =>
        SweepCsv.ReadRuns(sweep.SweepRuns).DistinctBy(r => r.Run).Select(r => (r.Seed, Folder: new RunFolder(System.IO.Path.Combine(sweep.Path, r.Run))))
            .Where(r => File.Exists(r.Folder.Eval)).SelectMany(r => OfRun(group, r.Seed, r.Folder));

    /// <summary>One line per learner: "name (role, depth d): final time at goal mean ± se over n seeds (per seed); ρ ..." (n runs of m seeds where seeds repeat).</summary>
    public static IEnumerable<string> Describe(IEnumerable<LearnerOverSeeds> learners)
    {
        static string F(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);
        static string R(IReadOnlyList<double> v) => string.Join(", ", v.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)));
        foreach (var l in learners)
        {
            var name = l.Group.Length > 0 ? $"{l.Group}/{l.Learner}" : l.Learner;
            var what = l.Role == "random" ? name : $"{name} ({l.Role}, depth {l.Depth})";
            var distinct = l.Seeds.Distinct().Count();
            var seeds = distinct == l.Seeds.Count ? (distinct == 1 ? "1 seed" : $"{distinct} seeds")
                : $"{l.Seeds.Count} runs of {(distinct == 1 ? "1 seed" : $"{distinct} seeds")}";
            var line = $"{what}: final time at goal {F(l.FinalTimeAtGoalMean)} ± {F(l.FinalTimeAtGoalSe)} over {seeds} ({string.Join(", ", l.PerSeed.Select(F))})";
            if (l.RhoGeodesic.Count > 0) line += $"; rho geodesic {R(l.RhoGeodesic)}, Euclidean {R(l.RhoEuclidean)}";
            yield return line;
        }
    }

    public static void Write(string path, IEnumerable<LearnerFinal> finals)
    {
        var table = new CsvTable(Columns);
        foreach (var f in finals)
            table.Add(f.Group, f.Run, f.Seed, f.Learner, f.Role, f.Depth, f.FinalTimeAtGoal, f.FinalSuccessAny, f.FinalDistance, f.RhoGeodesic, f.RhoEuclidean);
        table.Write(path);
    }

    public static List<LearnerFinal> Read(string path)
    {
        var t = CsvTable.Read(path).Expect(Columns, path);
        return t.Rows.Select(r => new LearnerFinal(t.Get(r, "group"), t.Get(r, "run"), (int)t.GetLong(r, "seed"), t.Get(r, "learner"), t.Get(r, "role"),
            (int)t.GetLong(r, "depth"), t.GetDouble(r, "final_time_at_goal"), t.GetDouble(r, "final_success_any"), t.GetDouble(r, "final_distance"),
            t.GetDouble(r, "rho_geodesic"), t.GetDouble(r, "rho_euclidean"))).ToList();
    }
}
