using Fathom.Client.Results;

namespace Fathom.Client.Plots;

/// <summary>
/// Draws every plot a results folder supports from its CSVs alone (the run writes the CSVs,
/// then calls this; <c>fathom report</c> calls it again later): time at goal and final distance from eval.csv,
/// the topology heatmaps from topology.csv, the depth sweep from summary.csv (derived again from sweep-runs.csv, so a
/// run added to a sweep by hand counts), the seeds' curves from curves.csv (derived again from the runs' eval.csv in a
/// sweep folder; beside it finals.csv, every learner's final score), the trainability figure from
/// trainability.csv, and each run folder inside a sweep folder and each sweep folder inside it (one per algorithm or network variant).
/// </summary>
public static class Report
{
    /// <summary>Redraws the plots under <paramref name="folder"/> and returns the PNG files written.</summary>
    public static List<string> Draw(RunFolder folder)
    {
        if (!Directory.Exists(folder.Path)) throw new DirectoryNotFoundException($"results folder '{folder.Path}' does not exist");
        var written = new List<string>();
        foreach (var metric in EvalCurvesPlot.Metrics)
            DrawIfAny(folder, folder.Eval, EvalCsv.Read, metric.FileName,
                (evals, path) => EvalCurvesPlot.Save(evals, metric, $"{folder.Name}: {metric.Title}", path), written);
        DrawIfAny(folder, folder.Topology, TopologyCsv.Read, TopologyPlot.FileName, TopologyPlot.Save, written);
        SeedCurves.WriteFor(folder);
        LearnerFinals.WriteFor(folder);
        DrawIfAny(folder, folder.Curves, SeedCurves.Read, SeedCurvesPlot.FileName,
            (points, path) => SeedCurvesPlot.Save(points, $"{folder.Name}: time at goal over seeds", path), written);
        DrawIfAny(folder, folder.Trainability, TrainabilityCsv.Read, TrainabilityPlot.FileName,
            (rows, path) => TrainabilityPlot.Save(rows, $"{folder.Name}: trainability", path), written);
        foreach (var sweep in Directory.GetDirectories(folder.Path).Order().Select(d => new RunFolder(d)).Where(f => File.Exists(f.SweepRuns)))
            written.AddRange(Draw(sweep));
        if (File.Exists(folder.SweepRuns))
        {
            SweepCsv.WriteSummary(folder.SweepSummary, SweepCsv.Summarise(SweepCsv.ReadRuns(folder.SweepRuns)));
            DrawIfAny(folder, folder.SweepSummary, SweepCsv.ReadSummary, DepthSweepPlot.FileName,
                (depths, path) => DepthSweepPlot.Save(depths, $"{folder.Name}: final time at goal vs depth", path), written);
            foreach (var run in SweepCsv.ReadRuns(folder.SweepRuns).Select(r => r.Run).Distinct())
                written.AddRange(Draw(new RunFolder(System.IO.Path.Combine(folder.Path, run))));
        }
        if (written.Count == 0)
            throw new FileNotFoundException($"nothing to draw in '{folder.Path}': expected {EvalCsv.FileName}, {TopologyCsv.FileName}, {SeedCurves.FileName}, {TrainabilityCsv.FileName} or {SweepCsv.SummaryFileName}");
        return written;
    }

    /// <summary>Every learner's final score over seeds, one line each, when the folder has a finals.csv (a sweep's).</summary>
    public static IEnumerable<string> Finals(RunFolder folder)
    {
        var path = System.IO.Path.Combine(folder.Path, LearnerFinals.FileName);
        return File.Exists(path) ? LearnerFinals.Describe(LearnerFinals.Summarise(LearnerFinals.Read(path))) : [];
    }

    /// <summary>One plot from one CSV: drawn when the CSV exists and holds rows, nothing otherwise.</summary>
    private static void DrawIfAny<TRow>(RunFolder folder, string csv, Func<string, IReadOnlyList<TRow>> read, string plotFile,
        Action<IReadOnlyList<TRow>, string> save, List<string> written)
    {
        if (!File.Exists(csv)) return;
        var rows = read(csv);
        if (rows.Count == 0) return;
        var path = System.IO.Path.Combine(folder.Path, plotFile);
        save(rows, path);
        written.Add(path);
    }
}
