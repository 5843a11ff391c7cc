namespace Fathom.Learner.Td;

/// <summary>
/// What one SAC or TD3 update reports. When <paramref name="Skipped"/> is true a loss or gradient was not finite and
/// no weight, moment, target or log-alpha changed; the values then show what was seen.
/// </summary>
/// <param name="CriticLoss">0.5 mean over batch and both critics of (Q_i - y)^2.</param>
/// <param name="ActorLoss">SAC: mean(alpha log pi - min Q); TD3: -mean(Q_1(s, pi(s, g), g)); 0 when the actor did not step.</param>
/// <param name="AlphaLoss">SAC: alpha mean(-log pi - target entropy); TD3: 0.</param>
/// <param name="Alpha">SAC: exp(log alpha) used in this update; TD3: 0.</param>
/// <param name="MeanQ">Mean of Q_1(s, a, g) over the batch's stored actions.</param>
/// <param name="MeanTarget">Mean TD target y.</param>
/// <param name="RewardRate">Fraction of the batch's transitions whose next state reached the goal (r = 1).</param>
/// <param name="ActorStepped">Whether the actor (and, for TD3, the targets) stepped in this update.</param>
/// <param name="Skipped">True when the update was not applied because something was not finite.</param>
/// <param name="UpdateCount">Applied updates (critic steps) so far, after this one.</param>
/// <param name="SkippedUpdates">Skipped updates so far, after this one.</param>
public sealed record TdMetrics(
    float CriticLoss,
    float ActorLoss,
    float AlphaLoss,
    float Alpha,
    float MeanQ,
    float MeanTarget,
    float RewardRate,
    bool ActorStepped,
    bool Skipped,
    long UpdateCount,
    long SkippedUpdates);
