using Fathom.Learner.Nets;

namespace Fathom.Learner.Crl;

/// <summary>
/// Every setting of the CRL agent, with the paper's value as default (crl-spec sections 1-3). Where a default differs
/// from the paper, the comment names the paper's value.
/// </summary>
public sealed record CrlConfig
{
    /// <summary>
    /// The paper's value of every setting, for readers that fill in what a user left out (the spec loader): the one home
    /// of each default. Its dimensions are 0, so it is no agent's configuration until they are set.
    /// </summary>
    public static CrlConfig Defaults { get; } = new() { StateDim = 0, ActionDim = 0, GoalDim = 0 };

    /// <summary>Length of the state vector.</summary>
    public required int StateDim { get; init; }

    /// <summary>Length of the action vector (actions in [-1, 1]).</summary>
    public required int ActionDim { get; init; }

    /// <summary>Length of the goal vector (a slice of a future state).</summary>
    public required int GoalDim { get; init; }

    /// <summary>Dense layers inside the actor's residual blocks; a positive multiple of 4 (paper code default 4; paper sweeps 4..1024).</summary>
    public int ActorDepth { get; init; } = 4;

    /// <summary>Hidden width of the actor.</summary>
    public int ActorWidth { get; init; } = 256;

    /// <summary>Dense layers inside each encoder's residual blocks; a positive multiple of 4 (paper code default 4).</summary>
    public int CriticDepth { get; init; } = 4;

    /// <summary>Hidden width of both encoders.</summary>
    public int CriticWidth { get; init; } = 256;

    /// <summary>Size of phi(s, a) and psi(g).</summary>
    public int ReprDim { get; init; } = 64;

    /// <summary>LayerNorm after every hidden Dense (ablation: off).</summary>
    public bool LayerNorm { get; init; } = true;

    /// <summary>Hidden nonlinearity (ablation: ReLU).</summary>
    public Activation Activation { get; init; } = Activation.Swish;

    /// <summary>Residual add after every block of four layers (ablation: off).</summary>
    public bool Residual { get; init; } = true;

    /// <summary>How phi and psi are scored.</summary>
    public CrlEnergy Energy { get; init; } = CrlEnergy.NegativeL2;

    /// <summary>Added under the square root of the L2 energy so its gradient stays finite at zero distance (paper: none).</summary>
    public double DistanceEpsilon { get; init; } = 1e-12;

    /// <summary>Critic objective.</summary>
    public CrlLoss Loss { get; init; } = CrlLoss.ForwardInfoNce;

    /// <summary>Weight of the mean squared logsumexp added to InfoNCE losses.</summary>
    public double LogSumExpPenalty { get; init; } = 0.1;

    /// <summary>Adam learning rate for actor, critic and alpha.</summary>
    public double LearningRate { get; init; } = 3e-4;

    /// <summary>Target entropy per action dimension: target = scale x |A|.</summary>
    public double TargetEntropyPerActionDim { get; init; } = -0.5;

    /// <summary>Discount of the geometric goal offsets of hindsight relabelling, P(k) ~ gamma^k; in (0, 1]. Read by the
    /// sampler that draws this agent's batches, not by the update (crl-spec section 4).</summary>
    public double Gamma { get; init; } = 0.99;

    /// <summary>Initial log(alpha).</summary>
    public double InitialLogAlpha { get; init; } = 0;

    /// <summary>Seed of the agent's own generator (initial weights and action noise).</summary>
    public long Seed { get; init; } = 1;

    /// <summary>Torch device, e.g. "cpu" or "cuda:0".</summary>
    public string Device { get; init; } = "cpu";

    public double TargetEntropy => TargetEntropyPerActionDim * ActionDim;

    public MlpShape ActorShape => new(StateDim + GoalDim, 2 * ActionDim, ActorDepth, ActorWidth, LayerNorm, Activation, Residual);

    public MlpShape StateActionEncoderShape => new(StateDim + ActionDim, ReprDim, CriticDepth, CriticWidth, LayerNorm, Activation, Residual);

    public MlpShape GoalEncoderShape => new(GoalDim, ReprDim, CriticDepth, CriticWidth, LayerNorm, Activation, Residual);

    /// <summary>Throws naming the first field that is out of range.</summary>
    public CrlConfig Validate()
    {
        MlpShape.CheckPositive(StateDim, nameof(StateDim));
        MlpShape.CheckPositive(ActionDim, nameof(ActionDim));
        MlpShape.CheckPositive(GoalDim, nameof(GoalDim));
        MlpShape.CheckDepth(ActorDepth, nameof(ActorDepth));
        MlpShape.CheckPositive(ActorWidth, nameof(ActorWidth));
        MlpShape.CheckDepth(CriticDepth, nameof(CriticDepth));
        MlpShape.CheckPositive(CriticWidth, nameof(CriticWidth));
        MlpShape.CheckPositive(ReprDim, nameof(ReprDim));
        if (!(DistanceEpsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(DistanceEpsilon), DistanceEpsilon, "DistanceEpsilon must be >= 0.");
        if (!(LogSumExpPenalty >= 0)) throw new ArgumentOutOfRangeException(nameof(LogSumExpPenalty), LogSumExpPenalty, "LogSumExpPenalty must be >= 0.");
        if (!(LearningRate > 0) || double.IsInfinity(LearningRate)) throw new ArgumentOutOfRangeException(nameof(LearningRate), LearningRate, "LearningRate must be a finite number > 0.");
        if (!double.IsFinite(TargetEntropyPerActionDim)) throw new ArgumentOutOfRangeException(nameof(TargetEntropyPerActionDim), TargetEntropyPerActionDim, "TargetEntropyPerActionDim must be finite.");
        if (!(Gamma > 0 && Gamma <= 1)) throw new ArgumentOutOfRangeException(nameof(Gamma), Gamma, "Gamma must be in (0, 1].");
        if (!double.IsFinite(InitialLogAlpha)) throw new ArgumentOutOfRangeException(nameof(InitialLogAlpha), InitialLogAlpha, "InitialLogAlpha must be finite.");
        if (!Enum.IsDefined(Energy)) throw new ArgumentOutOfRangeException(nameof(Energy), Energy, $"Energy must be one of {string.Join(", ", Enum.GetNames<CrlEnergy>())}.");
        if (!Enum.IsDefined(Loss)) throw new ArgumentOutOfRangeException(nameof(Loss), Loss, $"Loss must be one of {string.Join(", ", Enum.GetNames<CrlLoss>())}.");
        if (!Enum.IsDefined(Activation)) throw new ArgumentOutOfRangeException(nameof(Activation), Activation, $"Activation must be one of {string.Join(", ", Enum.GetNames<Activation>())}.");
        return this;
    }
}
