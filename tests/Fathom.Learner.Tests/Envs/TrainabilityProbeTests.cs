using Fathom.Learner.Evaluation;

namespace Fathom.Learner.Tests.Envs;

/// <summary>The probe behind `fathom trainability`, at sizes that run in seconds.</summary>
public class TrainabilityProbeTests
{
    private static readonly TrainabilitySettings Small = new()
    {
        CriticDepth = 8, ActorDepth = 4, Width = 32, Batch = 32, Updates = 300, Episodes = 256,
    };

    [Fact]
    public void A_small_agent_learns_and_every_update_is_measured()
    {
        var rows = TrainabilityProbe.Run(Small).ToList();

        Assert.Equal(Enumerable.Range(1, Small.Updates), rows.Select(r => r.Update));
        Assert.All(rows, r =>
        {
            Assert.True(r.Residual);
            Assert.False(r.Skipped);
            Assert.True(double.IsFinite(r.CriticLoss));
            Assert.True(r.CriticFirstLayerGradient > 0 && double.IsFinite(r.CriticFirstLayerGradient), $"critic gradient {r.CriticFirstLayerGradient} at {r.Update}");
            Assert.True(r.ActorFirstLayerGradient > 0 && double.IsFinite(r.ActorFirstLayerGradient), $"actor gradient {r.ActorFirstLayerGradient} at {r.Update}");
        });
        // The representation norm is measured on the first update, every tenth and the last, and nowhere else.
        Assert.Equal([1, .. Enumerable.Range(1, 30).Select(k => 10 * k)], rows.Where(r => !double.IsNaN(r.PhiNorm)).Select(r => r.Update));
        Assert.All(rows.Where(r => !double.IsNaN(r.PhiNorm)), r => Assert.True(r.PhiNorm > 0));
        // Batches come from a noisy oracle's paths across the maze: the critic must beat chance (1/32) clearly.
        double first = rows.Take(30).Average(r => r.Accuracy), last = rows.TakeLast(30).Average(r => r.Accuracy);
        Assert.True(last > 2.0 / Small.Batch && last > first + 0.03, $"accuracy {first:F3} -> {last:F3}");
    }

    [Fact]
    public void The_residual_setting_reaches_the_networks()
    {
        // The same seed with and without the residual adds: the same batches, different networks, different losses.
        var on = TrainabilityProbe.Run(Small with { Updates = 3 }).ToList();
        var off = TrainabilityProbe.Run(Small with { Updates = 3, Residual = false }).ToList();
        Assert.All(off, r => Assert.False(r.Residual));
        Assert.NotEqual(on[0].CriticLoss, off[0].CriticLoss);
        Assert.Equal(on[0].CriticLoss, TrainabilityProbe.Run(Small with { Updates = 1 }).Single().CriticLoss);
    }

    [Theory]
    [InlineData("critic-depth")]
    [InlineData("episodes")]
    [InlineData("layout")]
    [InlineData("batch")]
    public void Bad_settings_are_refused_naming_the_field(string field)
    {
        var bad = field switch
        {
            "critic-depth" => Small with { CriticDepth = 6 },
            "episodes" => Small with { Episodes = 16 },
            "layout" => Small with { Layout = "no_such_maze" },
            _ => Small with { Batch = 1 },
        };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TrainabilityProbe.Run(bad).First());
        Assert.Equal(field, error.ParamName);
        Assert.Contains(field, error.Message);
    }
}
