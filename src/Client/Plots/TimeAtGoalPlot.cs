using Fathom.Client.Results;
using ScottPlot;

namespace Fathom.Client.Plots;

/// <summary>
/// The paper's collector-vs-learner figure: time at goal against env steps, one line for the
/// collector (the behaviour learner, whose network acts) and one for every passive learner,
/// each judged on its own deterministic policy; the random policy as a dashed baseline.
/// </summary>
public static class TimeAtGoalPlot
{
    public const string FileName = "time-at-goal.png";
    public const int Width = 900;
    public const int Height = 540;

    public static void Save(IReadOnlyList<EvalPoint> evals, string title, string path)
    {
        using var plot = new Plot();
        var random = evals.Where(p => p.Role == "random").ToList();
        var learners = evals.Where(p => p.Role != "random").GroupBy(p => p.Learner)
            .OrderBy(g => g.First().Role == "behaviour" ? 0 : 1).ThenByDescending(g => g.First().Depth);
        foreach (var curve in learners)
        {
            var points = curve.OrderBy(p => p.EnvSteps).ThenBy(p => p.Updates).ToList();
            var first = points[0];
            var line = plot.Add.Scatter(points.Select(p => (double)p.EnvSteps).ToArray(), points.Select(p => p.TimeAtGoal).ToArray());
            line.LegendText = first.Role == "behaviour"
                ? $"{first.Learner}: collector, depth {first.Depth}"
                : $"{first.Learner}: passive learner, depth {first.Depth}";
            line.LineWidth = first.Role == "behaviour" ? 3 : 2;
            line.MarkerSize = 5;
            var bars = plot.Add.ErrorBar(points.Select(p => (double)p.EnvSteps).ToArray(), points.Select(p => p.TimeAtGoal).ToArray(),
                points.Select(p => double.IsNaN(p.TimeAtGoalSe) ? 0 : p.TimeAtGoalSe).ToArray());
            bars.Color = line.Color;
        }
        if (random.Count > 0)
        {
            var baseline = plot.Add.HorizontalLine(random.Average(p => p.TimeAtGoal));
            baseline.LinePattern = LinePattern.Dashed;
            baseline.Color = Colors.Gray;
            baseline.LegendText = "random policy";
        }
        plot.Title(title);
        plot.XLabel("env steps (collected by the run)");
        plot.YLabel("time at goal (steps per eval episode)");
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = EngineeringLabel };
        plot.ShowLegend(Alignment.UpperLeft);
        TimeAxis.StartAtZero(plot);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, Width, Height);
    }

    /// <summary>12000 -> 12k, 3500000 -> 3.5M: env step counts stay readable.</summary>
    static string EngineeringLabel(double value) => Math.Abs(value) switch
    {
        >= 1e6 => $"{value / 1e6:0.##}M",
        >= 1e3 => $"{value / 1e3:0.##}k",
        _ => $"{value:0.##}",
    };
}
