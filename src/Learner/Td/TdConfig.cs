using Fathom.Learner.Crl;
using Fathom.Learner.Nets;

namespace Fathom.Learner.Td;

/// <summary>
/// Every setting of the goal-conditioned TD baselines (SAC and TD3, the paper's section on TD methods, crl-spec
/// section 6 finding 3). Networks use the same residual MLP and ablation switches as CRL (crl-spec section 1). The
/// paper states no TD hyperparameters of its own beyond the networks, so the rest are JaxGCRL's SAC/TD3 defaults,
/// each named below.
/// </summary>
public sealed record TdConfig
{
    /// <summary>The default of every setting, for readers that fill in what a user left out; dimensions 0 until set.</summary>
    public static TdConfig Defaults { get; } = new() { StateDim = 0, ActionDim = 0, GoalDim = 0, GoalStart = 0 };

    /// <summary>
    /// A TD agent on the networks of a CRL configuration (sizes, depths, widths, ablations, learning rate, gamma, target
    /// entropy, seed, device), for a learner that names its networks the way CRL's settings do.
    /// </summary>
    public static TdConfig FromCrl(CrlConfig crl, int goalStart, double successRadius) => new()
    {
        StateDim = crl.StateDim, ActionDim = crl.ActionDim, GoalDim = crl.GoalDim, GoalStart = goalStart, SuccessRadius = successRadius,
        ActorDepth = crl.ActorDepth, ActorWidth = crl.ActorWidth, CriticDepth = crl.CriticDepth, CriticWidth = crl.CriticWidth,
        LayerNorm = crl.LayerNorm, Activation = crl.Activation, Residual = crl.Residual,
        LearningRate = crl.LearningRate, Gamma = crl.Gamma, TargetEntropyPerActionDim = crl.TargetEntropyPerActionDim, Seed = crl.Seed, Device = crl.Device,
    };

    /// <summary>Length of the state vector.</summary>
    public required int StateDim { get; init; }

    /// <summary>Length of the action vector (actions in [-1, 1]).</summary>
    public required int ActionDim { get; init; }

    /// <summary>Length of the goal vector (a slice of a state).</summary>
    public required int GoalDim { get; init; }

    /// <summary>First index of the slice of a state compared with the goal (the environment's goal slice).</summary>
    public required int GoalStart { get; init; }

    /// <summary>Reward 1 when the next state's goal slice is closer to the goal than this, else 0 (the env's success test).</summary>
    public double SuccessRadius { get; init; } = 0.5;

    /// <summary>Dense layers inside the actor's residual blocks; a positive multiple of 4 (as CRL; paper sweeps 4..64 for TD).</summary>
    public int ActorDepth { get; init; } = 4;

    /// <summary>Hidden width of the actor (paper: 256).</summary>
    public int ActorWidth { get; init; } = 256;

    /// <summary>Dense layers inside each Q network's residual blocks; a positive multiple of 4.</summary>
    public int CriticDepth { get; init; } = 4;

    /// <summary>Hidden width of each Q network (paper: 256).</summary>
    public int CriticWidth { get; init; } = 256;

    /// <summary>LayerNorm after every hidden Dense (ablation: off).</summary>
    public bool LayerNorm { get; init; } = true;

    /// <summary>Hidden nonlinearity (ablation: ReLU).</summary>
    public Activation Activation { get; init; } = Activation.Swish;

    /// <summary>Residual add after every block of four layers (ablation: off).</summary>
    public bool Residual { get; init; } = true;

    /// <summary>Discount of the TD target (JaxGCRL SAC/TD3 default 0.99). Also the hindsight offset law's gamma, as for CRL.</summary>
    public double Gamma { get; init; } = 0.99;

    /// <summary>Polyak rate of the target networks: target = (1 - tau) target + tau online (JaxGCRL default 0.005).</summary>
    public double Tau { get; init; } = 0.005;

    /// <summary>Adam learning rate of actor, critics and alpha (JaxGCRL default 3e-4, the same as CRL's).</summary>
    public double LearningRate { get; init; } = 3e-4;

    /// <summary>
    /// Whether reaching the goal ends bootstrapping (y = r when r = 1). Default false: the environments never end an
    /// episode at success and time at goal rewards staying there, so Q should count the discounted steps at the goal
    /// to come, as in JaxGCRL, where only truncation ends an episode and truncation always bootstraps.
    /// </summary>
    public bool TerminalOnSuccess { get; init; }

    /// <summary>SAC: target entropy per action dimension, target = scale x |A| (Brax/JaxGCRL SAC: -0.5, as CRL).</summary>
    public double TargetEntropyPerActionDim { get; init; } = -0.5;

    /// <summary>SAC: initial log(alpha) (Brax/JaxGCRL SAC: 0).</summary>
    public double InitialLogAlpha { get; init; }

    /// <summary>TD3: standard deviation of the target policy smoothing noise (JaxGCRL TD3 / Fujimoto et al.: 0.2).</summary>
    public double PolicyNoise { get; init; } = 0.2;

    /// <summary>TD3: the smoothing noise is clipped to [-this, this] (JaxGCRL TD3 / Fujimoto et al.: 0.5).</summary>
    public double NoiseClip { get; init; } = 0.5;

    /// <summary>TD3: the actor and all target networks step once every this many critic steps (JaxGCRL TD3 / Fujimoto et al.: 2).</summary>
    public int PolicyDelay { get; init; } = 2;

    /// <summary>
    /// TD3: standard deviation of the exploration noise while collecting (JaxGCRL TD3: 0.1). The actor carries it in
    /// its log-std head, so collectors sample tanh(mu + 0.1 eps) through the same actor blob as a CRL or SAC actor.
    /// </summary>
    public double ExplorationNoise { get; init; } = 0.1;

    /// <summary>Seed of the agent's own generator (initial weights and all noise).</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Torch device, e.g. "cpu" or "cuda:0".</summary>
    public string Device { get; init; } = "cpu";

    public double TargetEntropy => TargetEntropyPerActionDim * ActionDim;

    /// <summary>The actor: concat(state, goal) to |A| means and |A| raw log-stds, the shape of CRL's actor and its blob.</summary>
    public MlpShape ActorShape => new(StateDim + GoalDim, 2 * ActionDim, ActorDepth, ActorWidth, LayerNorm, Activation, Residual);

    /// <summary>One Q network: concat(state, action, goal) to one value.</summary>
    public MlpShape CriticShape => new(StateDim + ActionDim + GoalDim, 1, CriticDepth, CriticWidth, LayerNorm, Activation, Residual);

    /// <summary>Throws naming the first field that is out of range.</summary>
    public TdConfig Validate()
    {
        MlpShape.CheckPositive(StateDim, nameof(StateDim));
        MlpShape.CheckPositive(ActionDim, nameof(ActionDim));
        MlpShape.CheckPositive(GoalDim, nameof(GoalDim));
        if (GoalStart < 0 || GoalStart > StateDim - GoalDim)
            throw new ArgumentOutOfRangeException(nameof(GoalStart), GoalStart, $"GoalStart must be in [0, StateDim - GoalDim = {StateDim - GoalDim}]; got {GoalStart}.");
        MlpShape.CheckDepth(ActorDepth, nameof(ActorDepth));
        MlpShape.CheckPositive(ActorWidth, nameof(ActorWidth));
        MlpShape.CheckDepth(CriticDepth, nameof(CriticDepth));
        MlpShape.CheckPositive(CriticWidth, nameof(CriticWidth));
        Require(SuccessRadius > 0 && double.IsFinite(SuccessRadius), nameof(SuccessRadius), SuccessRadius, "a finite number > 0");
        Require(Gamma > 0 && Gamma <= 1, nameof(Gamma), Gamma, "in (0, 1]");
        Require(Tau > 0 && Tau <= 1, nameof(Tau), Tau, "in (0, 1]");
        Require(LearningRate > 0 && double.IsFinite(LearningRate), nameof(LearningRate), LearningRate, "a finite number > 0");
        Require(double.IsFinite(TargetEntropyPerActionDim), nameof(TargetEntropyPerActionDim), TargetEntropyPerActionDim, "finite");
        Require(double.IsFinite(InitialLogAlpha), nameof(InitialLogAlpha), InitialLogAlpha, "finite");
        Require(PolicyNoise >= 0 && double.IsFinite(PolicyNoise), nameof(PolicyNoise), PolicyNoise, "a finite number >= 0");
        Require(NoiseClip >= 0 && double.IsFinite(NoiseClip), nameof(NoiseClip), NoiseClip, "a finite number >= 0");
        Require(PolicyDelay >= 1, nameof(PolicyDelay), PolicyDelay, "at least 1");
        // The log-std head squashes into [e^-5, e^2]; an exploration noise outside cannot be carried by the actor blob.
        Require(ExplorationNoise >= Math.Exp(TanhGaussian.MinLogStd) * 1.0001 && ExplorationNoise <= Math.Exp(TanhGaussian.MaxLogStd) * 0.9999,
            nameof(ExplorationNoise), ExplorationNoise, $"in ({Math.Exp(TanhGaussian.MinLogStd):g3}, {Math.Exp(TanhGaussian.MaxLogStd):g3}), the range of the actor's log-std head");
        if (!Enum.IsDefined(Activation)) throw new ArgumentOutOfRangeException(nameof(Activation), Activation, $"Activation must be one of {string.Join(", ", Enum.GetNames<Activation>())}.");
        return this;
    }

    private static void Require(bool ok, string field, object value, string allowed)
    {
        if (!ok) throw new ArgumentOutOfRangeException(field, value, $"{field} must be {allowed}; got {value}.");
    }
}
