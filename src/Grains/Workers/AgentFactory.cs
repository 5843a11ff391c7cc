using Fathom.Replay;
using Fathom.Grains.Specs;
using Fathom.Learner.Crl;
using Fathom.Learner.Nets;

namespace Fathom.Grains.Workers;

/// <summary>
/// The one place a learner spec becomes a CRL agent configuration. Settings the spec does not carry (distance epsilon,
/// initial log alpha) keep CrlConfig's defaults.
/// </summary>
public static class AgentFactory
{
    /// <summary>The agent's configuration; <paramref name="device"/> is the resolved device (cpu, cuda:N) all its tensors live on.</summary>
    public static CrlConfig Config(LearnerSpec learner, EpisodeLayout layout, long seed, string device = "cpu") => new()
    {
        StateDim = layout.StateDim,
        ActionDim = layout.ActionDim,
        GoalDim = layout.GoalDim,
        ActorDepth = learner.Actor.Depth,
        ActorWidth = learner.Actor.Width,
        CriticDepth = learner.Critic.Depth,
        CriticWidth = learner.Critic.Width,
        LayerNorm = learner.Ablations.LayerNorm,
        Activation = learner.Ablations.Swish ? Activation.Swish : Activation.ReLU,
        Residual = learner.Ablations.Residual,
        LearningRate = learner.LearningRate,
        Gamma = learner.Gamma,
        Energy = learner.Energy,
        Loss = learner.ContrastiveLoss,
        LogSumExpPenalty = learner.LogSumExpPenalty,
        ReprDim = learner.ReprDim,
        TargetEntropyPerActionDim = learner.TargetEntropyPerActionDim,
        Seed = seed,
        Device = device,
    };
}
