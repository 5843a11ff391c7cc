using Fathom.Learner.Crl;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Crl;

/// <summary>
/// A hand-worked batch of two: phi = [(1,0), (0,2)], psi = [(1,1), (0,2)]. Pairwise distances are
/// [[1, sqrt 5], [sqrt 2, 0]], dot products [[1, 0], [2, 4]], cosines [[1/sqrt 2, 0], [1/sqrt 2, 1]].
/// Expected losses use penalty 0.1 on the mean of squared logsumexps.
/// </summary>
public class ContrastiveLossTests
{
    private static Tensor Phi() => tensor(new float[] { 1, 0, 0, 2 }).view(2, 2);
    private static Tensor Psi() => tensor(new float[] { 1, 1, 0, 2 }).view(2, 2);

    [Theory]
    [InlineData(CrlEnergy.NegativeL2, new[] { -1.0, -2.2360680, -1.4142136, -1e-6 })]
    [InlineData(CrlEnergy.NegativeSquaredL2, new[] { -1.0, -5, -2, 0 })]
    [InlineData(CrlEnergy.Dot, new[] { 1.0, 0, 2, 4 })]
    [InlineData(CrlEnergy.Cosine, new[] { 0.70710678, 0, 0.70710678, 1 })]
    public void PairwiseLogitsMatchTheHandWorkedValues(CrlEnergy energy, double[] expected)
    {
        using var scope = NewDisposeScope();
        var logits = Energies.Pairwise(energy, Phi(), Psi(), distanceEpsilon: 1e-12).data<float>().ToArray();
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], logits[i], 5);
        var matched = Energies.Matched(energy, Phi(), Psi(), 1e-12).data<float>().ToArray();
        Assert.Equal(expected[0], matched[0], 5);
        Assert.Equal(expected[3], matched[1], 5);
    }

    [Theory]
    [InlineData(CrlEnergy.NegativeL2, CrlLoss.ForwardInfoNce, 0.266451)]
    [InlineData(CrlEnergy.NegativeL2, CrlLoss.BackwardInfoNce, 0.317091)]
    [InlineData(CrlEnergy.NegativeL2, CrlLoss.SymmetricInfoNce, 0.583542)]
    [InlineData(CrlEnergy.NegativeL2, CrlLoss.BinaryNce, 0.581394)]
    [InlineData(CrlEnergy.NegativeSquaredL2, CrlLoss.ForwardInfoNce, 0.121546)]
    [InlineData(CrlEnergy.NegativeSquaredL2, CrlLoss.BackwardInfoNce, 0.183571)]
    [InlineData(CrlEnergy.NegativeSquaredL2, CrlLoss.SymmetricInfoNce, 0.305117)]
    [InlineData(CrlEnergy.NegativeSquaredL2, CrlLoss.BinaryNce, 0.535013)]
    [InlineData(CrlEnergy.Dot, CrlLoss.ForwardInfoNce, 1.157904)]
    [InlineData(CrlEnergy.Dot, CrlLoss.BackwardInfoNce, 1.740541)]
    [InlineData(CrlEnergy.Dot, CrlLoss.SymmetricInfoNce, 2.898446)]
    [InlineData(CrlEnergy.Dot, CrlLoss.BinaryNce, 0.787872)]
    [InlineData(CrlEnergy.Cosine, CrlLoss.ForwardInfoNce, 0.661759)]
    [InlineData(CrlEnergy.Cosine, CrlLoss.BackwardInfoNce, 0.687473)]
    [InlineData(CrlEnergy.Cosine, CrlLoss.SymmetricInfoNce, 1.349232)]
    [InlineData(CrlEnergy.Cosine, CrlLoss.BinaryNce, 0.628796)]
    public void LossMatchesTheHandWorkedValue(CrlEnergy energy, CrlLoss loss, double expected)
    {
        using var scope = NewDisposeScope();
        var logits = Energies.Pairwise(energy, Phi(), Psi(), distanceEpsilon: 1e-12);
        Assert.Equal(expected, ContrastiveLosses.Compute(loss, logits, logSumExpPenalty: 0.1).item<float>(), 5);
    }

    [Fact]
    public void ForwardInfoNceWithoutPenaltyIsCrossEntropyOnTheDiagonal()
    {
        using var scope = NewDisposeScope();
        // logits [[2, 0], [1, 3]]: rows log(1 + e^-2) and log(1 + e^-2).
        var logits = tensor(new float[] { 2, 0, 1, 3 }).view(2, 2);
        Assert.Equal(Math.Log(1 + Math.Exp(-2)), ContrastiveLosses.Compute(CrlLoss.ForwardInfoNce, logits, 0).item<float>(), 5);
    }

    [Fact]
    public void NegativeL2GradientIsFiniteAtZeroDistance()
    {
        using var scope = NewDisposeScope();
        var phi = tensor(new float[] { 0.5f, -1, 2 }).view(1, 3).requires_grad_(true);
        var psi = phi.detach().clone();
        Energies.Pairwise(CrlEnergy.NegativeL2, phi, psi, 1e-12).sum().backward();
        Assert.True(phi.grad!.isfinite().all().item<bool>());
    }

    /// <summary>
    /// Representations at norms near 300 around a common offset, as a 1,024-layer residual critic makes them, a few
    /// units apart: the float32 logits must match distances computed in float64 from the differences.
    /// </summary>
    [Theory]
    [InlineData(CrlEnergy.NegativeL2)]
    [InlineData(CrlEnergy.NegativeSquaredL2)]
    public void PairwiseDistancesStayPreciseAtLargeNorms(CrlEnergy energy)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(7);
        var offset = randn(1, 64, dtype: ScalarType.Float64, generator: generator).mul(300 / 8.0);
        var phi = offset.add(randn(32, 64, dtype: ScalarType.Float64, generator: generator).mul(0.2));
        var psi = offset.add(randn(32, 64, dtype: ScalarType.Float64, generator: generator).mul(0.2));
        var exact = phi.unsqueeze(1).sub(psi.unsqueeze(0)).square().sum(2);
        if (energy == CrlEnergy.NegativeL2) exact = exact.sqrt();
        var logits = Energies.Pairwise(energy, phi.to(ScalarType.Float32), psi.to(ScalarType.Float32), 0).to(ScalarType.Float64);
        double worst = logits.neg().sub(exact).abs().max().item<double>();
        Assert.True(worst < 1e-3, $"largest logit error {worst} at norms near {phi.norm(1).mean().item<double>():F0}");
    }
}
