using Fathom.Learner.Crl;

namespace Fathom.Grains.Specs;

/// <summary>
/// Everything one experiment needs, as read from a YAML or JSON file (see <see cref="SpecLoader"/>).
/// Small enough to travel in grain messages; validated before anything starts.
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.ExperimentSpec")]
public sealed record ExperimentSpec(
    [property: Id(0)] int Seed,
    [property: Id(1)] EnvironmentSpec Environment,
    [property: Id(2)] CollectorSpec[] Collectors,
    [property: Id(3)] LearnerSpec[] Learners,
    [property: Id(4)] ReplaySpec Replay,
    [property: Id(5)] long BudgetEnvSteps,
    [property: Id(6)] EvaluationSpec Evaluation,
    [property: Id(7)] long CheckpointPeriodUpdates)
{
    /// <summary>The learner a collector group acts for, by name.</summary>
    public LearnerSpec Learner(string name) => Learners.Single(l => l.Name == name);

    /// <summary>Collector grains of the fixed-count groups; their indices are 0 to this, exclusive.</summary>
    public int FixedCollectorCount => Collectors.Sum(c => c.PerSilo is null ? c.Count : 0);

    /// <summary>
    /// The share of one collector silo: (group, slot) for each collector the per-silo groups run on every collector
    /// silo, slots numbered over the groups in spec order. Empty when every group has a fixed count.
    /// </summary>
    public IEnumerable<(int Group, int Slot)> SiloShare()
    {
        var slot = 0;
        for (var group = 0; group < Collectors.Length; group++)
            for (var i = 0; i < (Collectors[group].PerSilo ?? 0); i++)
                yield return (group, slot++);
    }
}

/// <summary>
/// Which environment, which layout to train on and which to evaluate on. <see cref="CellSize"/> scales the maze (one
/// layout cell in the env's units); null means the env's own default (1 for point_maze, 4 m for ant_maze).
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.EnvironmentSpec")]
public sealed record EnvironmentSpec(
    [property: Id(0)] string Kind,
    [property: Id(1)] string TrainLayout,
    [property: Id(2)] string EvalLayout,
    [property: Id(3)] int EpisodeLength,
    [property: Id(4)] double? CellSize = null);

/// <summary>
/// A group of identical collectors acting for one behaviour learner: <see cref="Count"/> of them in all, or, when
/// <see cref="PerSilo"/> is set (and Count is 0), that many on each collector silo, started and dropped as collector
/// silos join and leave. <see cref="Device"/> is where their batched environments and policy run (auto, cpu, cuda
/// or cuda:N); null means the silo's default (FATHOM_DEVICE).
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.CollectorSpec")]
public sealed record CollectorSpec(
    [property: Id(0)] int Count,
    [property: Id(1)] int Envs,
    [property: Id(2)] string Behaviour,
    [property: Id(3)] int WeightRefreshSteps,
    [property: Id(4)] string? Device = null,
    [property: Id(5)] int? PerSilo = null);

/// <summary>Role of a learner: the behaviour learner's actor drives collection; passive learners only train.</summary>
[GenerateSerializer, Alias("fathom.LearnerRole")]
public enum LearnerRole
{
    Behaviour,
    Passive,
}

/// <summary>
/// What a learner trains: contrastive RL (the paper's method) or a TD baseline on the same networks, replay and
/// evaluation (SAC or TD3, each with HER goals from the learner's own sampler).
/// </summary>
[GenerateSerializer, Alias("fathom.LearnerAlgorithm")]
public enum LearnerAlgorithm
{
    Crl,
    Sac,
    Td3,
}

/// <summary>Depth (residual Dense layers, a positive multiple of 4) and width of one network.</summary>
[GenerateSerializer, Immutable, Alias("fathom.NetSpec")]
public sealed record NetSpec(
    [property: Id(0)] int Depth,
    [property: Id(1)] int Width);

/// <summary>The paper's ablation switches; all on is the paper's architecture.</summary>
[GenerateSerializer, Immutable, Alias("fathom.AblationSpec")]
public sealed record AblationSpec(
    [property: Id(0)] bool LayerNorm,
    [property: Id(1)] bool Swish,
    [property: Id(2)] bool Residual);

/// <summary>
/// One learner: its networks, its Adam learning rate (actor, critic and alpha, as the paper), how hard it may sample
/// the shared replay, and its <see cref="Device"/> (auto, cpu, cuda or cuda:N; null means the silo's FATHOM_DEVICE).
/// The CRL settings a researcher varies follow as init members, each defaulting to the paper's value in
/// <see cref="CrlConfig.Defaults"/> (their one home), so a spec built in code gets the paper's algorithm.
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.LearnerSpec")]
public sealed record LearnerSpec(
    [property: Id(0)] string Name,
    [property: Id(1)] LearnerRole Role,
    [property: Id(2)] NetSpec Actor,
    [property: Id(3)] NetSpec Critic,
    [property: Id(4)] int Batch,
    [property: Id(5)] double LearningRate,
    [property: Id(6)] double SamplesPerInsert,
    [property: Id(7)] AblationSpec Ablations,
    [property: Id(8)] string? Device = null)
{
    /// <summary>Discount of the geometric goal offsets when the sampler relabels goals, in (0, 1] (spec: gamma).</summary>
    [Id(9)] public double Gamma { get; init; } = CrlConfig.Defaults.Gamma;

    /// <summary>How the critic scores phi(s, a) against psi(g) (spec: energy).</summary>
    [Id(10)] public CrlEnergy Energy { get; init; } = CrlConfig.Defaults.Energy;

    /// <summary>The critic's objective over the in-batch logits (spec: contrastive_loss).</summary>
    [Id(11)] public CrlLoss ContrastiveLoss { get; init; } = CrlConfig.Defaults.Loss;

    /// <summary>Weight of the squared logsumexp added to InfoNCE losses, >= 0 (spec: logsumexp_penalty).</summary>
    [Id(12)] public double LogSumExpPenalty { get; init; } = CrlConfig.Defaults.LogSumExpPenalty;

    /// <summary>Size of the representations phi(s, a) and psi(g) (spec: repr_dim).</summary>
    [Id(13)] public int ReprDim { get; init; } = CrlConfig.Defaults.ReprDim;

    /// <summary>The actor's target entropy divided by the action dimension (spec: target_entropy_per_action_dim).</summary>
    [Id(14)] public double TargetEntropyPerActionDim { get; init; } = CrlConfig.Defaults.TargetEntropyPerActionDim;

    /// <summary>
    /// Reverb's error buffer of this learner's samples-per-insert limiter, in sampled transitions; null takes
    /// <see cref="RateLimiterErrorBuffer"/>'s default (spec: rate_limiter_error_buffer).
    /// </summary>
    [Id(15)] public double? ErrorBuffer { get; init; }

    /// <summary>What the learner trains: crl (default), sac or td3 (spec: algorithm).</summary>
    [Id(16)] public LearnerAlgorithm Algorithm { get; init; } = LearnerAlgorithm.Crl;

    /// <summary>Fraction of sampled rows whose goal is their episode's final state rather than a future state, in [0, 1] (spec: final_goal_fraction).</summary>
    [Id(17)] public double FinalGoalFraction { get; init; }

    /// <summary>
    /// The limiter's band: <see cref="ErrorBuffer"/>, or by default one batch plus one episode's worth of samples, so
    /// that collection runs about one chunk ahead of learning and neither side can block the other forever.
    /// </summary>
    public double RateLimiterErrorBuffer(int episodeLength) => ErrorBuffer ?? Batch + SamplesPerInsert * episodeLength;

    /// <summary>The narrowest band that cannot deadlock a learner and an inserter (Reverb's rule, in transitions).</summary>
    public double MinErrorBuffer(int episodeLength) => (Batch + SamplesPerInsert * episodeLength) / 2.0;
}

/// <summary>Replay knobs: number of shards and capacity in transitions (whole store), oldest evicted first.</summary>
[GenerateSerializer, Immutable, Alias("fathom.ReplaySpec")]
public sealed record ReplaySpec(
    [property: Id(0)] int Shards,
    [property: Id(1)] long CapacityTransitions,
    [property: Id(2)] long MinTransitions);

/// <summary>Evaluate every learner's deterministic policy every PeriodUpdates updates on Episodes eval envs.</summary>
[GenerateSerializer, Immutable, Alias("fathom.EvaluationSpec")]
public sealed record EvaluationSpec(
    [property: Id(0)] long PeriodUpdates,
    [property: Id(1)] int Episodes);
