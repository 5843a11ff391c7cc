using Fathom.Client.Results;
using Fathom.Learner.Evaluation;
using ScottPlot;

namespace Fathom.Client.Plots;

/// <summary>
/// The topology figure: each critic's Q over the maze for one goal, walls drawn, the shallowest
/// and the deepest learner side by side. Each title carries the Spearman rank correlation of Q
/// with the negated geodesic (path) distance and with the negated Euclidean distance: a critic
/// that has learned the maze's topology ranks positions by path length, not by straight line.
/// </summary>
public static class TopologyPlot
{
    public const string FileName = "topology.png";
    public const int Width = 1200;
    public const int Height = 540;

    /// <summary>Correlations of one learner's Q with -geodesic and -Euclidean distance over free, reachable cells.</summary>
    public static (double Geodesic, double Euclidean) Correlations(IReadOnlyList<TopologyCell> cells)
    {
        var free = cells.Where(c => !c.Wall && double.IsFinite(c.Q) && double.IsFinite(c.Geodesic) && double.IsFinite(c.Euclidean)).ToList();
        if (free.Count < 2) return (double.NaN, double.NaN);
        var q = free.Select(c => c.Q).ToList();
        return (RankCorrelation.Spearman(q, free.Select(c => -c.Geodesic).ToList()),
                RankCorrelation.Spearman(q, free.Select(c => -c.Euclidean).ToList()));
    }

    /// <summary>The shallowest and the deepest learner (one panel when the probe covers one learner).</summary>
    public static List<List<TopologyCell>> Panels(IReadOnlyList<TopologyCell> cells)
    {
        var byLearner = cells.GroupBy(c => c.Learner).OrderBy(g => g.First().Depth).ThenBy(g => g.Key).Select(g => g.ToList()).ToList();
        return byLearner.Count <= 1 ? byLearner : [byLearner[0], byLearner[^1]];
    }

    public static void Save(IReadOnlyList<TopologyCell> cells, string path)
    {
        var panels = Panels(cells);
        if (panels.Count == 0) throw new ArgumentException("no topology cells to draw", nameof(cells));
        var figure = new Multiplot();
        figure.AddPlots(panels.Count);
        figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
        for (var i = 0; i < panels.Count; i++) Draw(figure.GetPlot(i), panels[i]);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        figure.SavePng(path, Width, Height);
    }

    /// <summary>Draws one learner's panel into <paramref name="plot"/>: Q as a heatmap in world coordinates (y down), walls grey, the goal in red.</summary>
    public static void Draw(Plot plot, IReadOnlyList<TopologyCell> cells)
    {
        var xs = cells.Select(c => c.X).Distinct().Order().ToArray();
        var ys = cells.Select(c => c.Y).Distinct().Order().ToArray();
        var column = xs.Select((x, i) => (x, i)).ToDictionary(p => p.x, p => p.i);
        var row = ys.Select((y, i) => (y, i)).ToDictionary(p => p.y, p => p.i);
        var q = new double[ys.Length, xs.Length];
        for (var r = 0; r < ys.Length; r++)
            for (var c = 0; c < xs.Length; c++) q[r, c] = double.NaN;
        foreach (var cell in cells)
            q[row[cell.Y], column[cell.X]] = cell.Wall ? double.NaN : cell.Q;

        var dx = xs.Length > 1 ? xs[1] - xs[0] : 1;
        var dy = ys.Length > 1 ? ys[1] - ys[0] : 1;
        var heatmap = plot.Add.Heatmap(q);
        heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        heatmap.NaNCellColor = Colors.DimGray;
        // Row r of the grid holds the cells of the r-th smallest y. ScottPlot puts row 0 at the extent's smallest y once
        // the axis is inverted (world y grows downward, as the layout text is read), so no flip: a flip here mirrored Q
        // against the walls and the goal marker.
        heatmap.Rectangle = new CoordinateRect(xs[0] - dx / 2, xs[^1] + dx / 2, ys[0] - dy / 2, ys[^1] + dy / 2); // the cells' edges (Position would take their centres)
        plot.Add.ColorBar(heatmap).Label = "Q(s, π(s, g), g)";

        var goal = plot.Add.Marker(cells[0].GoalX, cells[0].GoalY);
        goal.MarkerShape = MarkerShape.FilledDiamond;
        goal.MarkerSize = 16;
        goal.Color = Colors.Red;

        var (geodesic, euclidean) = Correlations(cells);
        plot.Title($"{cells[0].Learner} (depth {cells[0].Depth}): ρ geodesic {geodesic:0.00}, ρ Euclidean {euclidean:0.00}", 14);
        plot.XLabel("x");
        plot.YLabel("y (down, as the layout text)");
        plot.Axes.SquareUnits();
        plot.Axes.InvertY();
    }
}
