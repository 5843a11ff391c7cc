using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Fathom.Learner.Crl;

/// <summary>Contrastive critic objectives over a [B, B] logit matrix whose diagonal holds the positives.</summary>
public enum CrlLoss
{
    /// <summary>Softmax over goals for each state-action (rows), the paper's choice.</summary>
    ForwardInfoNce,

    /// <summary>Softmax over state-actions for each goal (columns).</summary>
    BackwardInfoNce,

    /// <summary>Forward plus backward (their sum, as in JaxGCRL).</summary>
    SymmetricInfoNce,

    /// <summary>Independent sigmoid per pair: diagonal labelled 1, the rest 0; mean over all B^2 pairs.</summary>
    BinaryNce,
}

/// <summary>The critic loss values, one home for every objective.</summary>
public static class ContrastiveLosses
{
    /// <summary>
    /// Forward InfoNCE with penalty c: -mean_i(L_ii - lse_j L_ij) + c * mean_i((lse_j L_ij)^2) (mean of squares, as in
    /// the paper's code). Backward uses column logsumexps; symmetric adds both terms and both penalties. Binary NCE
    /// has no normaliser and so no penalty.
    /// </summary>
    public static Tensor Compute(CrlLoss loss, Tensor logits, double logSumExpPenalty) => loss switch
    {
        CrlLoss.ForwardInfoNce => InfoNce(logits, 1, logSumExpPenalty),
        CrlLoss.BackwardInfoNce => InfoNce(logits, 0, logSumExpPenalty),
        CrlLoss.SymmetricInfoNce => InfoNce(logits, 1, logSumExpPenalty).add(InfoNce(logits, 0, logSumExpPenalty), Scalars.One),
        CrlLoss.BinaryNce => F.binary_cross_entropy_with_logits(logits, eye(logits.shape[0], dtype: logits.dtype, device: logits.device)),
        _ => throw new ArgumentOutOfRangeException(nameof(loss), loss, "unknown loss"),
    };

    private static Tensor InfoNce(Tensor logits, long normaliseOver, double penalty)
    {
        var logSumExp = logits.logsumexp(normaliseOver);
        var loss = -(logits.diagonal() - logSumExp).mean();
        return penalty == 0 ? loss : loss.add(logSumExp.Squared().mean(), Scalars.Of(penalty));
    }
}
