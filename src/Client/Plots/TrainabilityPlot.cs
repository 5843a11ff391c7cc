using Fathom.Learner.Evaluation;
using ScottPlot;

namespace Fathom.Client.Plots;

/// <summary>
/// The title's figure (trainability.csv): above, the gradient norm at the first layer of the critic's state-action
/// encoder per update on a log scale; below, the critic's accuracy on its batch; one line per residual setting.
/// </summary>
public static class TrainabilityPlot
{
    public const string FileName = "trainability.png";
    public const int Width = 900;
    public const int Height = 800;
    private const double GradientFloor = 1e-30;

    public static void Save(IReadOnlyList<TrainabilityRow> rows, string title, string path)
    {
        var multiplot = new Multiplot();
        multiplot.AddPlots(2);
        var (gradients, accuracy) = (multiplot.GetPlot(0), multiplot.GetPlot(1));
        foreach (var setting in rows.GroupBy(r => r.Residual).OrderByDescending(g => g.Key))
        {
            var curve = setting.OrderBy(r => r.Update).ToList();
            var xs = curve.Select(r => (double)r.Update).ToArray();
            var label = setting.Key ? "residual connections on" : "residual connections off";
            // Log scale by hand (ScottPlot plots values): a zero gradient is drawn at the floor, not dropped.
            var logs = curve.Select(r => Math.Log10(Math.Max(r.CriticFirstLayerGradient, GradientFloor))).ToArray();
            var g = gradients.Add.ScatterLine(xs, logs);
            g.LegendText = label;
            g.LineWidth = 1.5f;
            var a = accuracy.Add.ScatterLine(xs, curve.Select(r => r.Accuracy).ToArray());
            a.LegendText = label;
            a.LineWidth = 1.5f;
            a.Color = g.Color;
        }
        gradients.Title(title);
        gradients.YLabel("log10 |grad|, critic's first layer (0 at -30)");
        gradients.ShowLegend(Alignment.UpperRight);
        accuracy.XLabel("update");
        accuracy.YLabel("critic accuracy on its batch");
        // Accuracy near chance (1 / batch) is what separates the settings: scale to the data, from zero.
        accuracy.Axes.SetLimitsY(0, Math.Max(1e-3, rows.Max(r => double.IsFinite(r.Accuracy) ? r.Accuracy : 0)) * 1.15);
        accuracy.ShowLegend(Alignment.UpperLeft);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        multiplot.SavePng(path, Width, Height);
    }
}
