using Fathom.Client.Results;
using ScottPlot;

namespace Fathom.Client.Plots;

/// <summary>One column of eval.csv drawn against env steps: its file, title, axis label, value and standard error.</summary>
public sealed record EvalMetric(string FileName, string Title, string YLabel, Func<EvalPoint, double> Value, Func<EvalPoint, double> StdErr, Alignment Legend);

/// <summary>
/// The paper's collector-vs-learner figure: an evaluation metric against env steps, one line for the collector (the
/// behaviour learner, whose network acts) and one for every passive learner, each judged on its own deterministic
/// policy, with its standard error over episodes; the random policy as a dashed baseline. Drawn for time at goal and
/// for final distance to goal (the Ant's measure, where time at goal stays near zero for long).
/// </summary>
public static class EvalCurvesPlot
{
    public const int Width = 900;
    public const int Height = 540;

    public static readonly EvalMetric TimeAtGoal = new("time-at-goal.png", "time at goal", "time at goal (steps per eval episode)",
        p => p.TimeAtGoal, p => p.TimeAtGoalSe, Alignment.UpperLeft);

    public static readonly EvalMetric FinalDistance = new("final-distance.png", "final distance to goal", "final distance to goal (env units; m for the Ant)",
        p => p.FinalDistance, p => p.FinalDistanceSe, Alignment.LowerLeft);

    public static IReadOnlyList<EvalMetric> Metrics { get; } = [TimeAtGoal, FinalDistance];

    public static void Save(IReadOnlyList<EvalPoint> evals, EvalMetric metric, string title, string path)
    {
        using var plot = new Plot();
        var random = evals.Where(p => p.Role == "random").ToList();
        var learners = evals.Where(p => p.Role != "random").GroupBy(p => p.Learner)
            .OrderBy(g => g.First().Role == "behaviour" ? 0 : 1).ThenByDescending(g => g.First().Depth);
        foreach (var curve in learners)
        {
            var points = curve.OrderBy(p => p.EnvSteps).ThenBy(p => p.Updates).ToList();
            var first = points[0];
            var steps = points.Select(p => (double)p.EnvSteps).ToArray();
            var values = points.Select(metric.Value).ToArray();
            var line = plot.Add.Scatter(steps, values);
            line.LegendText = first.Role == "behaviour"
                ? $"{first.Learner}: collector, depth {first.Depth}"
                : $"{first.Learner}: passive learner, depth {first.Depth}";
            line.LineWidth = first.Role == "behaviour" ? 3 : 2;
            line.MarkerSize = 5;
            var bars = plot.Add.ErrorBar(steps, values, points.Select(p => metric.StdErr(p) is var se && double.IsNaN(se) ? 0 : se).ToArray());
            bars.Color = line.Color;
        }
        var randomLevel = random.Count > 0 ? random.Average(metric.Value) : 0;
        if (random.Count > 0)
        {
            var baseline = plot.Add.HorizontalLine(randomLevel);
            baseline.LinePattern = LinePattern.Dashed;
            baseline.Color = Colors.Gray;
            baseline.LegendText = "random policy";
        }
        plot.Title(title);
        plot.XLabel("env steps (collected by the run)");
        plot.YLabel(metric.YLabel);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { LabelFormatter = EngineeringLabel };
        plot.ShowLegend(metric.Legend);
        TimeAxis.StartAtZero(plot);
        if (plot.Axes.GetLimits().Top < randomLevel * 1.08) plot.Axes.SetLimitsY(0, randomLevel * 1.08); // the baseline below the top edge
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
