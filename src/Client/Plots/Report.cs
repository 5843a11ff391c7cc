using Fathom.Client.Results;

namespace Fathom.Client.Plots;

/// <summary>
/// Draws every plot a results folder supports from its CSVs alone (the run writes the CSVs,
/// then calls this; <c>fathom report</c> calls it again later): time at goal from eval.csv,
/// the topology heatmaps from topology.csv, the depth sweep from summary.csv, and each run
/// folder inside a sweep folder.
/// </summary>
public static class Report
{
    /// <summary>Redraws the plots under <paramref name="folder"/> and returns the PNG files written.</summary>
    public static List<string> Draw(RunFolder folder)
    {
        if (!Directory.Exists(folder.Path)) throw new DirectoryNotFoundException($"results folder '{folder.Path}' does not exist");
        var written = new List<string>();
        if (File.Exists(folder.Eval))
        {
            var evals = EvalCsv.Read(folder.Eval);
            if (evals.Count > 0)
            {
                var path = System.IO.Path.Combine(folder.Path, TimeAtGoalPlot.FileName);
                TimeAtGoalPlot.Save(evals, $"{folder.Name}: time at goal", path);
                written.Add(path);
            }
        }
        if (File.Exists(folder.Topology))
        {
            var cells = TopologyCsv.Read(folder.Topology);
            if (cells.Count > 0)
            {
                var path = System.IO.Path.Combine(folder.Path, TopologyPlot.FileName);
                TopologyPlot.Save(cells, path);
                written.Add(path);
            }
        }
        if (File.Exists(folder.SweepSummary))
        {
            var depths = SweepCsv.ReadSummary(folder.SweepSummary);
            if (depths.Count > 0)
            {
                var path = System.IO.Path.Combine(folder.Path, DepthSweepPlot.FileName);
                DepthSweepPlot.Save(depths, $"{folder.Name}: final time at goal vs depth", path);
                written.Add(path);
            }
            foreach (var run in SweepCsv.ReadRuns(folder.SweepRuns).Select(r => r.Run).Distinct())
                written.AddRange(Draw(new RunFolder(System.IO.Path.Combine(folder.Path, run))));
        }
        if (written.Count == 0)
            throw new FileNotFoundException($"nothing to draw in '{folder.Path}': expected {EvalCsv.FileName}, {TopologyCsv.FileName} or {SweepCsv.SummaryFileName}");
        return written;
    }
}
