using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests;

/// <summary>
/// The hot-path scalar helpers under <see cref="FinalizerPressure"/>, which is what freed TorchSharp's temporary Scalars
/// mid-op in a learner ("Unknown scalar type"). With <c>square()</c> in place of
/// <see cref="Scalars.Squared"/> this loop failed within 20,000 iterations on the 2-core dev machine.
/// </summary>
public class ScalarsTests
{
    private const int Iterations = 200_000;

    [Fact]
    public void SquaredAndCachedScalars_SurviveCollectionsDuringOps()
    {
        using var x = full(4, 4, 3f);
        using var pressure = new FinalizerPressure();
        for (int i = 0; i < Iterations; i++)
        {
            using var squared = x.Squared();
            using var clamped = squared.clamp(Scalars.Of(-1L), Scalars.One);
            if (i % 10_000 != 0) continue;
            Assert.Equal(9f * 16, squared.sum().item<float>());
            Assert.Equal(16f, clamped.sum().item<float>());
        }
    }
}
