using Fathom.Client.Results;
using ScottPlot;

namespace Fathom.Client.Plots;

/// <summary>
/// The seeds' figure of a sweep: time at goal against env steps, one line per group (algorithm or network variant), learner and depth, each the
/// mean over seeds with one standard error as bars (curves.csv).
/// </summary>
public static class SeedCurvesPlot
{
    public const string FileName = "curves.png";
    public const int Width = 900;
    public const int Height = 540;

    public static void Save(IReadOnlyList<SeedCurvePoint> points, string title, string path)
    {
        using var plot = new Plot();
        var groups = points.GroupBy(p => (p.Group, p.Learner, p.Role, p.Depth))
            .OrderBy(g => g.Key.Group).ThenBy(g => g.Key.Role == "behaviour" ? 0 : 1).ThenBy(g => g.Key.Depth);
        var learners = points.Select(p => p.Learner).Distinct().Count();
        foreach (var group in groups)
        {
            var curve = group.OrderBy(p => p.EnvSteps).ToList();
            var xs = curve.Select(p => (double)p.EnvSteps).ToArray();
            var ys = curve.Select(p => p.TimeAtGoalMean).ToArray();
            var line = plot.Add.Scatter(xs, ys);
            var who = learners > 1 ? $"{group.Key.Learner} ({group.Key.Role}), " : "";
            line.LegendText = $"{(group.Key.Group.Length > 0 ? group.Key.Group + " " : "")}{who}depth {group.Key.Depth} ({(curve.Max(p => p.Seeds) is var n && n == 1 ? "1 seed" : $"{n} seeds")})";
            line.LineWidth = 2;
            line.MarkerSize = 4;
            var bars = plot.Add.ErrorBar(xs, ys, curve.Select(p => double.IsNaN(p.TimeAtGoalSe) ? 0 : p.TimeAtGoalSe).ToArray());
            bars.Color = line.Color;
        }
        plot.Title(title);
        plot.XLabel("env steps");
        plot.YLabel("time at goal (mean ± SE over seeds)");
        plot.ShowLegend(Alignment.UpperLeft);
        TimeAxis.StartAtZero(plot);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, Width, Height);
    }
}
