using ScottPlot;

namespace Fathom.Client.Plots;

/// <summary>Time at goal and distance are never negative: the axis starts at zero (and reaches at least 1 when every value is zero).</summary>
static class TimeAxis
{
    public static void StartAtZero(Plot plot)
    {
        plot.Axes.AutoScale();
        var top = plot.Axes.GetLimits().Top;
        plot.Axes.SetLimitsY(0, Math.Max(top, 1));
    }
}
