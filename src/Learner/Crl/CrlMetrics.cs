namespace Fathom.Learner.Crl;

/// <summary>
/// What one update reports (crl-spec sections 2-3). When <paramref name="Skipped"/> is true a loss or gradient was
/// not finite and no weight, moment or log-alpha changed; the values then show what was seen.
/// </summary>
/// <param name="CriticLoss">Contrastive critic loss including the logsumexp penalty.</param>
/// <param name="ActorLoss">mean(alpha log pi - Q).</param>
/// <param name="AlphaLoss">alpha mean(-log pi - target entropy).</param>
/// <param name="Alpha">exp(log alpha) used in this update.</param>
/// <param name="Entropy">-mean(log pi) of the sampled actions.</param>
/// <param name="CategoricalAccuracy">Fraction of rows whose largest logit is the diagonal (chance = 1/B).</param>
/// <param name="MeanPositiveLogit">Mean of the diagonal logits.</param>
/// <param name="MeanNegativeLogit">Mean of the off-diagonal logits.</param>
/// <param name="LogSumExp">Mean over rows of logsumexp over goals.</param>
/// <param name="Skipped">True when the update was not applied because something was not finite.</param>
/// <param name="UpdateCount">Applied updates so far, after this one.</param>
/// <param name="SkippedUpdates">Skipped updates so far, after this one.</param>
public sealed record CrlMetrics(
    float CriticLoss,
    float ActorLoss,
    float AlphaLoss,
    float Alpha,
    float Entropy,
    float CategoricalAccuracy,
    float MeanPositiveLogit,
    float MeanNegativeLogit,
    float LogSumExp,
    bool Skipped,
    long UpdateCount,
    long SkippedUpdates);
