using ScottPlot;

namespace Fathom.Client.Plots;

/// <summary>Time at goal is a count of steps: its axis starts at zero (and shows at least one step when every value is zero).</summary>
static class TimeAxis
{
    public static void StartAtZero(Plot plot)
    {
        plot.Axes.AutoScale();
        var top = plot.Axes.GetLimits().Top;
        plot.Axes.SetLimitsY(0, Math.Max(top, 1));
    }
}
