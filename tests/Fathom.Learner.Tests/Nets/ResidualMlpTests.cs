using Fathom.Learner.Nets;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Fathom.Learner.Tests.Nets;

public class ResidualMlpTests
{
    private static ResidualMlp Build(MlpShape shape, long seed = 3) => new(shape, new Generator((ulong)seed));

    [Theory]
    [InlineData(0)]
    [InlineData(6)]
    [InlineData(-4)]
    [InlineData(30)]
    public void DepthThatIsNotAPositiveMultipleOfFourIsRejectedNamingTheField(int depth)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => Build(new MlpShape(3, 2, depth, 8)));
        Assert.Equal("Depth", error.ParamName);
        Assert.Contains("positive multiple of 4", error.Message);
    }

    [Fact]
    public void WidthTwoFiftySixDepthThirtyTwoEncoderHoldsAboutTwoPointOneMillionParameters()
    {
        var shape = new MlpShape(InputDim: 10, OutputDim: 64, Depth: 32, Width: 256);
        // (10+1)*256 + 32*(256*256+256) + (256+1)*64 + 33 LayerNorms * 2*256
        Assert.Equal(2_141_504, shape.ParameterCount);
        using var net = Build(shape);
        Assert.Equal(shape.ParameterCount, net.Parameters.Count);
        Assert.Equal(shape.ParameterCount, net.Parameters.Tensors.Sum(t => t.numel()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LayerNormSwitchAddsOrRemovesTheNormParameters(bool layerNorm)
    {
        var shape = new MlpShape(5, 3, 8, 16, LayerNorm: layerNorm);
        using var net = Build(shape);
        int dense = 8 + 2;
        Assert.Equal(layerNorm ? 2 * dense + 2 * (dense - 1) : 2 * dense, net.Parameters.Tensors.Count);
        Assert.Equal(shape.ParameterCount, net.Parameters.Count);
        Assert.Equal(layerNorm ? 2L * 16 * 9 : 0, shape.ParameterCount - new MlpShape(5, 3, 8, 16, LayerNorm: false).ParameterCount);
    }

    [Fact]
    public void InitIsUniformWithinOneOverSqrtFanInWithZeroBiasesAndUnitNormScales()
    {
        using var net = Build(new MlpShape(9, 4, 4, 32));
        var t = net.Parameters.Tensors;
        // Layer 0: weight [32, 9], bias, LN scale, LN bias.
        Assert.Equal(new long[] { 32, 9 }, t[0].shape);
        Assert.True(t[0].abs().max().item<float>() <= 1 / Math.Sqrt(9));
        Assert.True(t[0].abs().max().item<float>() > 0.5 / Math.Sqrt(9));
        Assert.Equal(0f, t[1].abs().sum().item<float>());
        Assert.Equal(32f, t[2].sum().item<float>());
        Assert.Equal(0f, t[3].abs().sum().item<float>());
        // A block layer has fan-in 32.
        Assert.True(t[4].abs().max().item<float>() <= 1 / Math.Sqrt(32));
    }

    [Fact]
    public void GradientsAccumulateIntoTheFlatBuffer()
    {
        using var net = Build(new MlpShape(6, 2, 4, 16));
        using var x = randn(5, 6);
        net.Forward(x).square().sum().backward();
        float flatNorm = net.Parameters.Gradients.abs().sum().item<float>();
        float viewNorm = net.Parameters.Tensors.Sum(p => p.grad!.abs().sum().item<float>());
        Assert.True(flatNorm > 0);
        Assert.Equal(flatNorm, viewNorm, 2);
    }

    [Fact]
    public void AtDepth256TheGradientReachingTheFirstDenseIsFiniteAndNonZero()
    {
        using var scope = NewDisposeScope();
        using var net = Build(new MlpShape(8, 4, 256, 16));
        var x = randn(new long[] { 32, 8 }, generator: new Generator(5));
        net.Forward(x).square().mean().backward();
        var firstDense = net.Parameters.Tensors[0].grad!;
        Assert.True(firstDense.isfinite().all().item<bool>());
        Assert.True(firstDense.abs().max().item<float>() > 1e-8f);
    }

    [Fact]
    public void ResidualSwitchDecidesWhetherAZeroBlockPassesItsInputThrough()
    {
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 4, 5 }, generator: new Generator(9));
        foreach (bool residual in new[] { true, false })
        {
            using var net = Build(new MlpShape(5, 3, 4, 8, Residual: residual));
            var t = net.Parameters.Tensors;
            using (no_grad())
            {
                // Zero every block layer (weights, biases, LN scale and bias): LN(0) = 0 and Swish(0) = 0.
                for (int i = 4; i < 4 + 4 * 4; i++) t[i].zero_();
            }
            var projection = F.silu(F.layer_norm(F.linear(x, t[0], t[1]), [8], t[2], t[3], ResidualMlp.LayerNormEpsilon));
            var features = net.Features(x);
            if (residual) Assert.True(features.allclose(projection, rtol: 1e-5, atol: 1e-6));
            else Assert.Equal(0f, features.abs().max().item<float>());
        }
    }

    [Fact]
    public void ActivationSwitchSelectsReluOrSwish()
    {
        using var scope = NewDisposeScope();
        var x = randn(new long[] { 64, 5 }, generator: new Generator(11));
        using var relu = Build(new MlpShape(5, 3, 4, 32, LayerNorm: false, Activation: Activation.ReLU, Residual: false));
        using var swish = Build(new MlpShape(5, 3, 4, 32, LayerNorm: false, Activation: Activation.Swish, Residual: false));
        var reluFeatures = relu.Features(x);
        var swishFeatures = swish.Features(x);
        Assert.True(reluFeatures.min().item<float>() >= 0);
        Assert.True(reluFeatures.eq(Scalars.Of(0L)).any().item<bool>());
        // Swish dips below zero (its minimum is about -0.278) and never reaches it for finite non-zero input.
        Assert.True(swishFeatures.min().item<float>() < 0);
        Assert.True(swishFeatures.min().item<float>() >= -0.2785f);
    }
}
