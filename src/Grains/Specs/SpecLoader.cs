using Fathom.Learner.Crl;

namespace Fathom.Grains.Specs;

/// <summary>
/// Reads an experiment spec from YAML or JSON (snake_case fields, see src/Grains/Presets/*.yaml for complete examples),
/// fills the defaults below and validates it. Every problem is reported at once in a <see cref="SpecException"/>.
/// </summary>
public static class SpecLoader
{
    // The agent's defaults come from CrlConfig.Defaults, their one home; the rest are the paper's values where it has
    // one, envs.md's calibration for the point maze otherwise.
    private static readonly CrlConfig Paper = CrlConfig.Defaults;
    private const int DefaultEpisodeLength = 100;
    private const int DefaultBatch = 256;
    private const double DefaultSamplesPerInsert = 256.0 / 50; // one update of batch 256 per 50 env steps
    private const int DefaultEnvs = 256;
    private const int DefaultWeightRefreshSteps = 10;
    private const long DefaultCapacity = 1_000_000;
    private const long DefaultEvaluationPeriod = 500;
    private const int DefaultEvaluationEpisodes = 64;
    private const long DefaultCheckpointPeriod = 1000;

    /// <summary>A preset name (see <see cref="Presets"/>) or the path of a .yaml/.yml/.json file.</summary>
    public static ExperimentSpec Resolve(string presetOrPath) =>
        Presets.Names.Contains(presetOrPath) ? Presets.Load(presetOrPath) : LoadFile(presetOrPath);

    public static ExperimentSpec LoadFile(string path)
    {
        if (!File.Exists(path))
            throw new SpecException([$"spec: no preset or file named '{path}' (presets: {string.Join(", ", Presets.Names)})"]);
        var text = File.ReadAllText(path);
        return path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? ParseJson(text) : ParseYaml(text);
    }

    public static ExperimentSpec ParseYaml(string text) => Parse(errors => SpecNode.FromYaml(text, errors));

    public static ExperimentSpec ParseJson(string text) => Parse(errors => SpecNode.FromJson(text, errors));

    /// <summary>
    /// The paths of the fields the loader accepts that <paramref name="yaml"/> leaves out, so that their defaults apply
    /// (e.g. learners[0].gamma). Empty for a spec written with every field explicit.
    /// </summary>
    public static IReadOnlyList<string> FieldsLeftOut(string yaml)
    {
        SpecNode? root = null;
        Parse(errors => root = SpecNode.FromYaml(yaml, errors));
        return root!.FieldsLeftOut().ToArray();
    }

    private static ExperimentSpec Parse(Func<List<string>, SpecNode> read)
    {
        var errors = new List<string>();
        SpecNode root;
        try
        {
            root = read(errors);
        }
        catch (Exception e) when (e is YamlDotNet.Core.YamlException or System.Text.Json.JsonException or InvalidCastException)
        {
            throw new SpecException([$"(document): not a valid spec document: {e.Message}"]);
        }
        var spec = Read(root);
        root.ReportUnknownFields();
        if (errors.Count > 0) throw new SpecException(errors);
        SpecValidator.ThrowIfInvalid(spec);
        return spec;
    }

    private static ExperimentSpec Read(SpecNode root)
    {
        var environment = root.Field("environment", required: true);
        var budget = root.Field("budget", required: true);
        var replay = root.Field("replay");
        var evaluation = root.Field("evaluation");
        var checkpoint = root.Field("checkpoint");
        return new ExperimentSpec(
            Seed: root.Int("seed", 0, 0, int.MaxValue),
            Environment: environment is null ? new EnvironmentSpec("", "", "", 0) : ReadEnvironment(environment),
            Collectors: (root.Field("collectors", required: true)?.Items() ?? []).Select(ReadCollector).ToArray(),
            Learners: (root.Field("learners", required: true)?.Items() ?? []).Select(ReadLearner).ToArray(),
            Replay: replay is null
                ? new ReplaySpec(1, DefaultCapacity, DefaultBatch)
                : new ReplaySpec(
                    replay.Int("shards", 1, 1, 1024),
                    replay.Long("capacity", DefaultCapacity, 1, long.MaxValue),
                    replay.Long("min_transitions", DefaultBatch, 1, long.MaxValue)),
            BudgetEnvSteps: budget?.Long("env_steps", 0, 1, long.MaxValue, required: true) ?? 0,
            Evaluation: evaluation is null
                ? new EvaluationSpec(DefaultEvaluationPeriod, DefaultEvaluationEpisodes)
                : new EvaluationSpec(
                    evaluation.Long("period_updates", DefaultEvaluationPeriod, 1, long.MaxValue),
                    evaluation.Int("episodes", DefaultEvaluationEpisodes, 1, 65536)),
            CheckpointPeriodUpdates: checkpoint?.Long("period_updates", DefaultCheckpointPeriod, 1, long.MaxValue) ?? DefaultCheckpointPeriod);
    }

    private static EnvironmentSpec ReadEnvironment(SpecNode node) => new(
        Kind: node.String("kind", SpecValidator.PointMaze),
        TrainLayout: node.String("train_layout", "", required: true),
        EvalLayout: node.String("eval_layout", "", required: true),
        EpisodeLength: node.Int("episode_length", DefaultEpisodeLength, 1, 100_000));

    private static CollectorSpec ReadCollector(SpecNode node) => new(
        Count: node.Int("count", 1, 1, 4096),
        Envs: node.Int("envs", DefaultEnvs, 1, 1 << 20),
        Behaviour: node.String("behaviour", "", required: true),
        WeightRefreshSteps: node.Int("weight_refresh_steps", DefaultWeightRefreshSteps, 1, 1_000_000),
        Device: ReadDevice(node));

    private static LearnerSpec ReadLearner(SpecNode node) => new(
        Name: node.String("name", "", required: true),
        Role: node.Choice("role", LearnerRole.Passive, SpecNames.Role),
        Actor: ReadNet(node.Field("actor"), Paper.ActorDepth, Paper.ActorWidth),
        Critic: ReadNet(node.Field("critic"), Paper.CriticDepth, Paper.CriticWidth),
        Batch: node.Int("batch", DefaultBatch, 2, 1 << 16),
        LearningRate: node.Double("learning_rate", Paper.LearningRate, 1e-8, 1),
        SamplesPerInsert: node.Double("samples_per_insert", DefaultSamplesPerInsert, 1e-3, 1e6),
        Ablations: ReadAblations(node.Field("ablations")),
        Device: ReadDevice(node))
    {
        Gamma = node.Number("gamma", Paper.Gamma),
        Energy = node.Choice("energy", Paper.Energy, SpecNames.Energy),
        ContrastiveLoss = node.Choice("contrastive_loss", Paper.Loss, SpecNames.ContrastiveLoss),
        LogSumExpPenalty = node.Number("logsumexp_penalty", Paper.LogSumExpPenalty),
        ReprDim = node.Int("repr_dim", Paper.ReprDim, 1, SpecValidator.MaxReprDim),
        TargetEntropyPerActionDim = node.Number("target_entropy_per_action_dim", Paper.TargetEntropyPerActionDim),
        ErrorBuffer = node.Field("rate_limiter_error_buffer") is null ? null : node.Number("rate_limiter_error_buffer", 0),
    };

    /// <summary>A device as written (the validator checks its spelling); absent is null, the silo's FATHOM_DEVICE.</summary>
    private static string? ReadDevice(SpecNode node) => node.Field("device") is null ? null : node.String("device", "");

    private static NetSpec ReadNet(SpecNode? node, int depth, int width) => node is null
        ? new NetSpec(depth, width)
        : new NetSpec(node.Int("depth", depth, 1, 4096), node.Int("width", width, 1, 16384));

    private static AblationSpec ReadAblations(SpecNode? node)
    {
        var paper = new AblationSpec(Paper.LayerNorm, Paper.Activation == Fathom.Learner.Nets.Activation.Swish, Paper.Residual);
        return node is null
            ? paper
            : new AblationSpec(node.Bool("layer_norm", paper.LayerNorm), node.Bool("swish", paper.Swish), node.Bool("residual", paper.Residual));
    }
}
