using Fathom.Client.Results;
using ScottPlot;

namespace Fathom.Client.Plots;

/// <summary>
/// The depth-scaling figure: final time at goal (mean of the last five evaluations) against
/// network depth, with one standard error over seeds as bars; depths are evenly spaced (log2).
/// </summary>
public static class DepthSweepPlot
{
    public const string FileName = "depth-sweep.png";
    public const int Width = 800;
    public const int Height = 520;

    public static void Save(IReadOnlyList<SweepDepth> depths, string title, string path)
    {
        using var plot = new Plot();
        var xs = depths.Select(d => Math.Log2(d.Depth)).ToArray();
        var ys = depths.Select(d => d.FinalTimeAtGoalMean).ToArray();
        var line = plot.Add.Scatter(xs, ys);
        line.LineWidth = 2;
        line.MarkerSize = 8;
        var bars = plot.Add.ErrorBar(xs, ys, depths.Select(d => double.IsNaN(d.FinalTimeAtGoalSe) ? 0 : d.FinalTimeAtGoalSe).ToArray());
        bars.Color = line.Color;
        bars.CapSize = 8;
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(xs, depths.Select(d => $"{d.Depth}").ToArray());
        plot.Title(title);
        plot.XLabel("depth (residual Dense layers)");
        plot.YLabel("final time at goal (mean ± SE over seeds)");
        plot.Axes.Margins(0.1, 0.15);
        TimeAxis.StartAtZero(plot);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, Width, Height);
    }
}
