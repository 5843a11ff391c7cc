using static TorchSharp.torch;

namespace Fathom.Learner.Crl;

/// <summary>How a state-action representation phi and a goal representation psi are scored against each other.</summary>
public enum CrlEnergy
{
    /// <summary>-||phi - psi||_2, not squared (the paper's choice).</summary>
    NegativeL2,

    /// <summary>-||phi - psi||_2^2.</summary>
    NegativeSquaredL2,

    /// <summary>phi . psi.</summary>
    Dot,

    /// <summary>phi . psi / (|phi| |psi|).</summary>
    Cosine,
}

/// <summary>The energies as tensor functions: all pairs for the contrastive logits, matched rows for Q(s, a, g).</summary>
public static class Energies
{
    /// <summary>logits[i, j] = energy(phi_i, psi_j), [B, B]. Distances by expansion, one GEMM, about a common centre.</summary>
    public static Tensor Pairwise(CrlEnergy energy, Tensor phi, Tensor psi, double distanceEpsilon) => energy switch
    {
        CrlEnergy.NegativeL2 => SquaredDistances(phi, psi).add(Scalars.Of(distanceEpsilon), Scalars.One).sqrt().neg(),
        CrlEnergy.NegativeSquaredL2 => SquaredDistances(phi, psi).neg(),
        CrlEnergy.Dot => phi.matmul(psi.t()),
        CrlEnergy.Cosine => Normalize(phi).matmul(Normalize(psi).t()),
        _ => throw new ArgumentOutOfRangeException(nameof(energy), energy, "unknown energy"),
    };

    /// <summary>energy(phi_i, psi_i) for each row, [B]: the critic value Q(s, a, g).</summary>
    public static Tensor Matched(CrlEnergy energy, Tensor phi, Tensor psi, double distanceEpsilon) => energy switch
    {
        CrlEnergy.NegativeL2 => phi.sub(psi).Squared().sum(1).add(Scalars.Of(distanceEpsilon), Scalars.One).sqrt().neg(),
        CrlEnergy.NegativeSquaredL2 => phi.sub(psi).Squared().sum(1).neg(),
        CrlEnergy.Dot => (phi * psi).sum(1),
        CrlEnergy.Cosine => (Normalize(phi) * Normalize(psi)).sum(1),
        _ => throw new ArgumentOutOfRangeException(nameof(energy), energy, "unknown energy"),
    };

    /// <summary>
    /// Squared distances of every pair by one GEMM, |a|^2 + |b|^2 - 2 a.b, after moving both sets by the same point (the
    /// mean of psi, held constant): distances do not change, but the expansion's float32 rounding scales with the norms,
    /// which deep residual critics grow large around a common offset (docs/results.md, the 1,024-layer critic).
    /// </summary>
    private static Tensor SquaredDistances(Tensor phi, Tensor psi)
    {
        var centre = psi.detach().mean([0], keepdim: true);
        phi = phi.sub(centre);
        psi = psi.sub(centre);
        var phiNorms = phi.Squared().sum(1, keepdim: true);
        var psiNorms = psi.Squared().sum(1).unsqueeze(0);
        // Rounding can leave tiny negatives where phi_i == psi_j; a distance is never below zero.
        return phiNorms.add(psiNorms, Scalars.One).add(phi.matmul(psi.t()), Scalars.Of(-2L)).clamp_min(Scalars.Of(0L));
    }

    private static Tensor Normalize(Tensor x) => nn.functional.normalize(x, p: 2, dim: 1, eps: 1e-12);
}
