using Fathom.Grains.Workers;
using Fathom.Learner;
using Fathom.Learner.Crl;
using Fathom.Learner.Envs;
using static Fathom.Grains.Specs.SpecRules;
using AblationField = Fathom.Grains.Specs.Field<Fathom.Grains.Specs.AblationSpec>;
using CollectorField = Fathom.Grains.Specs.Field<Fathom.Grains.Specs.CollectorSpec>;
using EnvironmentField = Fathom.Grains.Specs.Field<Fathom.Grains.Specs.EnvironmentSpec>;
using EvaluationField = Fathom.Grains.Specs.Field<Fathom.Grains.Specs.EvaluationSpec>;
using ExperimentField = Fathom.Grains.Specs.Field<Fathom.Grains.Specs.ExperimentSpec>;
using LearnerField = Fathom.Grains.Specs.Field<Fathom.Grains.Specs.LearnerSpec>;
using NetField = Fathom.Grains.Specs.Field<Fathom.Grains.Specs.NetSpec>;
using ReplayField = Fathom.Grains.Specs.Field<Fathom.Grains.Specs.ReplaySpec>;

namespace Fathom.Grains.Specs;

/// <summary>
/// Every field of an experiment spec, declared once: its YAML name, the record member it fills, its default, what it
/// allows and what it means. The loader reads by this table, the writer (<see cref="SpecWriter"/>) writes by it and
/// the validator checks every field's own rule by it, so a field added here is read, written and checked alike.
/// Rules between fields (names that refer to each other, sizes that must fit) stay in <see cref="SpecValidator"/>.
/// Defaults: the agent's from <see cref="CrlConfig.Defaults"/> (their one home); the rest are the paper's values
/// where it has one, envs.md's calibration for the point maze otherwise.
/// </summary>
internal static class SpecSchema
{
    private static readonly CrlConfig Paper = CrlConfig.Defaults;
    private const int DefaultBatch = 256;

    /// <summary>Largest representation size a spec may ask for; the paper uses 64, and the widest network is 16384.</summary>
    public const int MaxReprDim = 16384;

    /// <summary>Largest replay capacity in transitions: the replay store's own limit (ReplayStoreOptions refuses more).</summary>
    public const long MaxCapacity = 1L << 40;

    /// <summary>Most collectors one group may ask for, in all (count) or on each silo (per_silo).</summary>
    private const int MaxCollectors = 4096;

    public static IReadOnlyList<ISpecField<ExperimentSpec>> Fields { get; } =
    [
        ExperimentField.Int("seed", s => s.Seed, (s, v) => s with { Seed = v }, 0, Between(0, int.MaxValue), "seed of every random stream of the run"),
        ExperimentField.Section("environment", s => s.Environment, (s, v) => s with { Environment = v }, new EnvironmentSpec("", "", "", 0),
            EnvironmentFields(), "which environment, which layout to train on and which to evaluate on", required: true),
        ExperimentField.Group("budget",
        [
            ExperimentField.Long("env_steps", s => s.BudgetEnvSteps, (s, v) => s with { BudgetEnvSteps = v }, 0, Between(1, long.MaxValue),
                "environment steps to collect over all collectors; the run ends there", required: true),
        ], "how long the run goes", required: true),
        ExperimentField.List("collectors", s => s.Collectors, (s, v) => s with { Collectors = v }, new CollectorSpec(0, 0, "", 0),
            CollectorFields(), "collector group", "groups of identical collectors, each acting for one behaviour learner"),
        ExperimentField.List("learners", s => s.Learners, (s, v) => s with { Learners = v }, new LearnerSpec("", default, null!, null!, 0, 0, 0, null!),
            LearnerFields(), "learner", "the learners, each training its own networks from the shared replay"),
        ExperimentField.Section("replay", s => s.Replay, (s, v) => s with { Replay = v }, new ReplaySpec(0, 0, 0), ReplayFields(), "the shared replay store"),
        ExperimentField.Section("evaluation", s => s.Evaluation, (s, v) => s with { Evaluation = v }, new EvaluationSpec(0, 0), EvaluationFields(),
            "how often and on how many episodes every learner's deterministic policy is evaluated"),
        ExperimentField.Group("checkpoint",
        [
            ExperimentField.Long("period_updates", s => s.CheckpointPeriodUpdates, (s, v) => s with { CheckpointPeriodUpdates = v }, 1000, Between(1, long.MaxValue),
                "updates between a learner's checkpoints"),
        ], "how often learners save their whole state"),
    ];

    private static ISpecField<EnvironmentSpec>[] EnvironmentFields() =>
    [
        EnvironmentField.Text("kind", e => e.Kind, (e, v) => e with { Kind = v }, EnvironmentFactory.PointMaze,
            new(kind => EnvironmentFactory.Kinds.Contains(kind), $"one of {string.Join(", ", EnvironmentFactory.Kinds)}"),
            "the environment family: point_maze (a point sliding through the maze) or ant_maze (the MuJoCo Ant walking it)"),
        EnvironmentField.Text("train_layout", e => e.TrainLayout, (e, v) => e with { TrainLayout = v }, null, Layout, "the maze collectors train in"),
        EnvironmentField.Text("eval_layout", e => e.EvalLayout, (e, v) => e with { EvalLayout = v }, null, Layout, "the maze policies are evaluated in"),
        EnvironmentField.Int("episode_length", e => e.EpisodeLength, (e, v) => e with { EpisodeLength = v }, 100, Between(1, 100_000), "steps per episode"),
        EnvironmentField.OptionalNumber("cell_size", e => e.CellSize, (e, v) => e with { CellSize = v },
            (e, _) => $"the env's own, {SpecKinds.Spell(EnvironmentFactory.DefaultCellSize(e.Kind))} for {e.Kind}",
            "side of one layout cell in the env's units (point_maze 1, ant_maze metres): scales the maze, its walls, starts and goals"),
    ];

    private static ISpecField<CollectorSpec>[] CollectorFields() =>
    [
        CollectorField.OneOf(
            CollectorField.OptionalInt("count", c => c.PerSilo is null ? c.Count : null, (c, v) => c with { Count = v ?? 0 }, 1, OrLeftOut(Between(1, MaxCollectors)),
                (c, _) => $"the group runs per_silo = {c.PerSilo} on each collector silo", "collector grains in the group, spread over the collector silos"),
            CollectorField.OptionalInt("per_silo", c => c.PerSilo, (c, v) => v is null ? c with { PerSilo = null } : c with { PerSilo = v, Count = 0 }, null,
                OrLeftOut(Between(1, MaxCollectors)), (c, _) => $"the group runs count = {c.Count} in all",
                "collector grains on each collector silo, started on a silo that joins and dropped with one that leaves"),
            c => c.PerSilo is not null, SpecValidator.CountWithPerSilo),
        CollectorField.Int("envs", c => c.Envs, (c, v) => c with { Envs = v }, 256, Between(1, 1 << 20), "batched environments per collector"),
        CollectorField.Text("behaviour", c => c.Behaviour, (c, v) => c with { Behaviour = v }, null, null, "the behaviour learner whose actor the group runs"),
        CollectorField.Int("weight_refresh_steps", c => c.WeightRefreshSteps, (c, v) => c with { WeightRefreshSteps = v }, 10, Between(1, 1_000_000),
            "env steps between asking for newer actor weights"),
        Device<CollectorSpec>(c => c.Device, (c, v) => c with { Device = v }, "where the group's environments and policy run"),
    ];

    private static ISpecField<LearnerSpec>[] LearnerFields() =>
    [
        LearnerField.Text("name", l => l.Name, (l, v) => l with { Name = v }, null,
            new(SpecValidator.IsName, "1-40 characters of a-z, 0-9, '-' or '_'"), "the learner's name, unique; it goes into grain and store keys"),
        LearnerField.Choice("role", SpecNames.Role, l => l.Role, (l, v) => l with { Role = v }, LearnerRole.Passive,
            "behaviour: its actor drives collection; passive: it only trains"),
        LearnerField.Choice("algorithm", SpecNames.Algorithm, l => l.Algorithm, (l, v) => l with { Algorithm = v }, LearnerAlgorithm.Crl,
            "crl: contrastive RL (the paper's); sac or td3: the TD baselines on the same networks, with HER goals and the sparse reward"),
        LearnerField.Section("actor", l => l.Actor, (l, v) => l with { Actor = v }, new NetSpec(0, 0), NetFields(Paper.ActorDepth, Paper.ActorWidth), "the actor network"),
        LearnerField.Section("critic", l => l.Critic, (l, v) => l with { Critic = v }, new NetSpec(0, 0), NetFields(Paper.CriticDepth, Paper.CriticWidth),
            "each of the critic's two networks: the encoders phi(s, a) and psi(g) (crl), or the twin Q networks (sac, td3)"),
        LearnerField.Int("batch", l => l.Batch, (l, v) => l with { Batch = v }, DefaultBatch, Between(2, 1 << 16), "rows per update",
            note: "in-batch negatives need at least two"),
        LearnerField.Number("learning_rate", l => l.LearningRate, (l, v) => l with { LearningRate = v }, Paper.LearningRate, Between(1e-8, 1),
            "Adam's learning rate for actor, critic and alpha"),
        LearnerField.Number("samples_per_insert", l => l.SamplesPerInsert, (l, v) => l with { SamplesPerInsert = v }, DefaultBatch / 50.0, Between(1e-3, 1e6),
            "sampled rows per inserted transition (default: one update of batch 256 per 50 env steps)"),
        LearnerField.Section("ablations", l => l.Ablations, (l, v) => l with { Ablations = v }, new AblationSpec(false, false, false), AblationFields(),
            "the paper's architecture switches; all on is the paper's network"),
        LearnerField.Number("gamma", l => l.Gamma, (l, v) => l with { Gamma = v }, Paper.Gamma, Between(0, 1, openMin: true),
            "discount of the geometric goal offsets when goals are relabelled, and for sac and td3 of the TD target", note: Of(Paper.Gamma)),
        LearnerField.Choice("energy", SpecNames.Energy, l => l.Energy, (l, v) => l with { Energy = v }, Paper.Energy,
            "how the critic scores phi(s, a) against psi(g)"),
        LearnerField.Choice("contrastive_loss", SpecNames.ContrastiveLoss, l => l.ContrastiveLoss, (l, v) => l with { ContrastiveLoss = v }, Paper.Loss,
            "the critic's objective over the in-batch logits"),
        LearnerField.Number("logsumexp_penalty", l => l.LogSumExpPenalty, (l, v) => l with { LogSumExpPenalty = v }, Paper.LogSumExpPenalty, AtLeast(0),
            "weight of the squared logsumexp added to InfoNCE losses", note: $"{Of(Paper.LogSumExpPenalty)}; 0 turns it off"),
        LearnerField.Int("repr_dim", l => l.ReprDim, (l, v) => l with { ReprDim = v }, Paper.ReprDim, Between(1, MaxReprDim),
            "size of the representations phi(s, a) and psi(g)", note: $"paper {Paper.ReprDim}"),
        LearnerField.Number("target_entropy_per_action_dim", l => l.TargetEntropyPerActionDim, (l, v) => l with { TargetEntropyPerActionDim = v },
            Paper.TargetEntropyPerActionDim, null, "the actor's target entropy divided by the action dimension", note: Of(Paper.TargetEntropyPerActionDim)),
        LearnerField.Number("final_goal_fraction", l => l.FinalGoalFraction, (l, v) => l with { FinalGoalFraction = v }, 0, Between(0.0, 1.0),
            "fraction of sampled rows whose goal is their episode's final state instead of a future state (HER's final strategy)",
            note: "the replay keeps no commanded goals, so HER's original-goal strategy is not offered"),
        LearnerField.OptionalNumber("rate_limiter_error_buffer", l => l.ErrorBuffer, (l, v) => l with { ErrorBuffer = v },
            (l, spec) => $"batch + samples_per_insert * episode_length = {SpecKinds.Spell(l.RateLimiterErrorBuffer(spec.Environment.EpisodeLength))}",
            "Reverb's error buffer of the learner's samples-per-insert limiter, in sampled transitions"),
        Device<LearnerSpec>(l => l.Device, (l, v) => l with { Device = v }, "where the learner trains"),
    ];

    /// <summary>One network: depth in Dense layers of residual blocks of four, and width.</summary>
    private static ISpecField<NetSpec>[] NetFields(int depth, int width) =>
    [
        NetField.Int("depth", n => n.Depth, (n, v) => n with { Depth = v }, depth,
            new(d => d is >= 4 and <= 4096 && d % 4 == 0, "a positive multiple of 4 up to 4096 (4, 8, 16, ...)"), "residual Dense layers"),
        NetField.Int("width", n => n.Width, (n, v) => n with { Width = v }, width, Between(1, 16384), "units per layer"),
    ];

    private static ISpecField<AblationSpec>[] AblationFields() =>
    [
        AblationField.Bool("layer_norm", a => a.LayerNorm, (a, v) => a with { LayerNorm = v }, Paper.LayerNorm, "LayerNorm after every hidden Dense layer"),
        AblationField.Bool("swish", a => a.Swish, (a, v) => a with { Swish = v }, Paper.Activation == Fathom.Learner.Nets.Activation.Swish,
            "Swish activations (else ReLU)"),
        AblationField.Bool("residual", a => a.Residual, (a, v) => a with { Residual = v }, Paper.Residual, "residual connections around each block"),
    ];

    private static ISpecField<ReplaySpec>[] ReplayFields() =>
    [
        ReplayField.Int("shards", r => r.Shards, (r, v) => r with { Shards = v }, 1, Between(1, 1024), "Redis shards the store spreads over"),
        ReplayField.Long("capacity", r => r.CapacityTransitions, (r, v) => r with { CapacityTransitions = v }, 1_000_000, Between(1, MaxCapacity),
            "transitions the whole store holds, oldest evicted first"),
        ReplayField.Long("min_transitions", r => r.MinTransitions, (r, v) => r with { MinTransitions = v }, DefaultBatch, Between(1, long.MaxValue),
            "transitions stored before learners start sampling"),
    ];

    private static ISpecField<EvaluationSpec>[] EvaluationFields() =>
    [
        EvaluationField.Long("period_updates", e => e.PeriodUpdates, (e, v) => e with { PeriodUpdates = v }, 500, Between(1, long.MaxValue),
            "updates between evaluations"),
        EvaluationField.Int("episodes", e => e.Episodes, (e, v) => e with { Episodes = v }, 64, Between(1, 65536), "evaluation episodes each time"),
    ];

    /// <summary>A worker group's device: auto, cpu, cuda or cuda:N; left out, the silo's FATHOM_DEVICE.</summary>
    private static ISpecField<T> Device<T>(Func<T, string?> get, Func<T, string?, T> set, string doc) =>
        Field<T>.OptionalText("device", get, set, new(device => TorchDevices.IsValid(device), $"one of {TorchDevices.AllowedText}, or left out for the silo's FATHOM_DEVICE"),
            "each silo's FATHOM_DEVICE", doc);

    /// <summary>
    /// The layouts a maze may name: a built-in one (the envs' own list), the maze itself, or the path of a layout file
    /// (read in by the loader, so that the spec carries the maze to the silos).
    /// </summary>
    private static SpecRule<string> Layout => new(
        layout => SpecValidator.BuiltInLayouts.Contains(layout) || MazeLayout.IsText(layout) || (layout.Length > 0 && File.Exists(layout)),
        $"a built-in layout ({string.Join(", ", SpecValidator.BuiltInLayouts)}), the maze itself (rows of # . R G), or the path of a layout file on this machine");

    private static string Of(double paper) => $"paper {SpecKinds.Spell(paper)}";

    /// <summary>Reads a whole spec from a parsed document; errors go to the document's list.</summary>
    public static ExperimentSpec Read(SpecNode root) =>
        SpecFields.Read(Fields, root, new ExperimentSpec(0, null!, [], [], null!, 0, null!, 0));

    /// <summary>Every field's own rule, for a spec read or built in code.</summary>
    public static void Check(ExperimentSpec spec, List<string> errors)
    {
        foreach (var field in Fields) field.Check(spec, "", errors);
    }

    /// <summary>Every leaf field of <paramref name="spec"/> as (path, value), in schema order: what tests compare.</summary>
    public static IEnumerable<(string Path, string Value)> Leaves(ExperimentSpec spec) => Fields.SelectMany(field => field.Leaves(spec, ""));
}
