using Fathom.Replay;
using Fathom.Grains.Specs;
using Fathom.Learner;
using Fathom.Learner.Crl;
using Fathom.Learner.Nets;
using Fathom.Learner.Td;

namespace Fathom.Grains.Workers;

/// <summary>
/// The one place a learner spec becomes an agent: a CRL configuration, or a TD one for sac and td3. Settings the spec
/// does not carry keep their config type's defaults (CrlConfig: distance epsilon, initial log alpha; TdConfig: tau,
/// TD3's noises and delay).
/// </summary>
public static class AgentFactory
{
    /// <summary>The learner's agent for its spec's algorithm; <paramref name="device"/> is the resolved device all its tensors live on.</summary>
    public static IGoalAgent Create(LearnerSpec learner, EnvironmentSpec environment, EpisodeLayout layout, long seed, string device = "cpu") =>
        learner.Algorithm switch
        {
            LearnerAlgorithm.Crl => new CrlAgent(Config(learner, layout, seed, device)),
            LearnerAlgorithm.Sac => new SacAgent(TdConfig(learner, environment, layout, seed, device)),
            LearnerAlgorithm.Td3 => new Td3Agent(TdConfig(learner, environment, layout, seed, device)),
            _ => throw new ArgumentOutOfRangeException(nameof(learner), learner.Algorithm, $"algorithm must be one of {SpecNames.Algorithm.Allowed}."),
        };

    /// <summary>The CRL agent's configuration.</summary>
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

    /// <summary>A SAC or TD3 agent's configuration: CRL's networks and ablations, the environment's goal slice and success radius.</summary>
    public static TdConfig TdConfig(LearnerSpec learner, EnvironmentSpec environment, EpisodeLayout layout, long seed, string device = "cpu") =>
        Learner.Td.TdConfig.FromCrl(Config(learner, layout, seed, device), layout.GoalStart, EnvironmentFactory.SuccessRadius(environment));
}
