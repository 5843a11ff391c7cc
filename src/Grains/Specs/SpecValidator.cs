using Fathom.Learner;
using Fathom.Learner.Crl;

namespace Fathom.Grains.Specs;

/// <summary>
/// The rules a spec must meet beyond its field types: names that refer to each other, depths the residual network
/// can build, layouts that exist. Used by the loader and again by the experiment grain before anything starts,
/// since a spec may also be built in code.
/// </summary>
public static class SpecValidator
{
    public const string PointMaze = "point_maze";

    /// <summary>Largest representation size a spec may ask for; the paper uses 64, and the widest network is 16384.</summary>
    public const int MaxReprDim = 16384;

    private static readonly CrlConfig Paper = CrlConfig.Defaults;

    /// <summary>The built-in PointMaze layouts (the envs' own list); a path to a layout file is accepted too.</summary>
    public static IReadOnlyCollection<string> BuiltInLayouts => Fathom.Learner.Envs.MazeLayout.BuiltInNames;

    public static void ThrowIfInvalid(ExperimentSpec spec)
    {
        var errors = Validate(spec);
        if (errors.Count > 0) throw new SpecException(errors);
    }

    public static IReadOnlyList<string> Validate(ExperimentSpec spec)
    {
        var errors = new List<string>();
        void Check(bool ok, string path, string message)
        {
            if (!ok) errors.Add($"{path}: {message}");
        }

        Check(spec.Seed >= 0, "seed", $"must be an integer in [0, {int.MaxValue}]");
        Check(spec.BudgetEnvSteps > 0, "budget.env_steps", "must be a positive integer");

        var environment = spec.Environment;
        Check(environment.Kind == PointMaze, "environment.kind", $"must be one of {PointMaze} (got {environment.Kind})");
        Check(IsLayout(environment.TrainLayout), "environment.train_layout", LayoutMessage(environment.TrainLayout));
        Check(IsLayout(environment.EvalLayout), "environment.eval_layout", LayoutMessage(environment.EvalLayout));
        Check(environment.EpisodeLength >= 1, "environment.episode_length", "must be an integer in [1, 100000]");

        Check(spec.Learners.Length > 0, "learners", "must list at least one learner");
        var names = new HashSet<string>();
        for (var i = 0; i < spec.Learners.Length; i++)
        {
            var learner = spec.Learners[i];
            var path = $"learners[{i}]";
            Check(IsName(learner.Name), $"{path}.name", $"must be 1-40 characters of a-z, 0-9, '-' or '_' (got '{learner.Name}')");
            Check(names.Add(learner.Name), $"{path}.name", $"'{learner.Name}' is used by another learner; names must be unique");
            CheckNet(learner.Actor, $"{path}.actor");
            CheckNet(learner.Critic, $"{path}.critic");
            Check(learner.Batch >= 2, $"{path}.batch", "must be an integer in [2, 65536] (in-batch negatives need at least two)");
            Check(learner.SamplesPerInsert > 0, $"{path}.samples_per_insert", "must be a positive number");
            if (learner.ErrorBuffer is { } buffer)
            {
                var least = learner.MinErrorBuffer(environment.EpisodeLength);
                Check(double.IsFinite(buffer) && buffer >= least, $"{path}.rate_limiter_error_buffer",
                    $"must be a finite number of transitions >= (batch + samples_per_insert * episode_length) / 2 = {Text(least)}, or left out for " +
                    $"{Text(learner.Batch + learner.SamplesPerInsert * environment.EpisodeLength)}; a narrower band can block a learner and a collector forever (got {Text(buffer)})");
            }
            CheckCrl(learner, path);
            CheckDevice(learner.Device, $"{path}.device");
        }

        Check(spec.Collectors.Length > 0, "collectors", "must list at least one collector group");
        for (var i = 0; i < spec.Collectors.Length; i++)
        {
            var group = spec.Collectors[i];
            var path = $"collectors[{i}]";
            Check(group.Count >= 1, $"{path}.count", "must be an integer in [1, 4096]");
            Check(group.Envs >= 1, $"{path}.envs", "must be an integer in [1, 1048576]");
            Check(group.WeightRefreshSteps >= 1, $"{path}.weight_refresh_steps", "must be an integer in [1, 1000000]");
            CheckDevice(group.Device, $"{path}.device");
            var behaviours = spec.Learners.Where(l => l.Role == LearnerRole.Behaviour).Select(l => l.Name).ToArray();
            Check(behaviours.Contains(group.Behaviour), $"{path}.behaviour",
                $"must name a learner with role behaviour (allowed: {(behaviours.Length == 0 ? "none declared" : string.Join(", ", behaviours))}; got '{group.Behaviour}')");
        }
        foreach (var learner in spec.Learners.Where(l => l.Role == LearnerRole.Behaviour))
        {
            var index = Array.IndexOf(spec.Learners, learner);
            Check(spec.Collectors.Any(c => c.Behaviour == learner.Name), $"learners[{index}].role",
                $"learner '{learner.Name}' is a behaviour learner but no collector group acts for it (use passive, or add a collector with behaviour: {learner.Name})");
        }

        Check(spec.Replay.Shards >= 1, "replay.shards", "must be an integer in [1, 1024]");
        Check(spec.Replay.CapacityTransitions >= spec.Replay.MinTransitions, "replay.capacity",
            $"must be at least replay.min_transitions ({spec.Replay.MinTransitions})");
        var largestBatch = spec.Learners.Length == 0 ? 0 : spec.Learners.Max(l => l.Batch);
        Check(spec.Replay.MinTransitions >= 1, "replay.min_transitions", "must be a positive integer");
        Check(spec.Replay.CapacityTransitions >= largestBatch, "replay.capacity", $"must hold at least the largest batch ({largestBatch})");
        Check(spec.Evaluation.PeriodUpdates >= 1, "evaluation.period_updates", "must be a positive integer");
        Check(spec.Evaluation.Episodes >= 1, "evaluation.episodes", "must be an integer in [1, 65536]");
        Check(spec.CheckpointPeriodUpdates >= 1, "checkpoint.period_updates", "must be a positive integer");
        return errors;

        void CheckNet(NetSpec net, string path)
        {
            Check(net.Depth >= 4 && net.Depth % 4 == 0, $"{path}.depth", $"must be a positive multiple of 4 (4, 8, 16, ... 1024; got {net.Depth})");
            Check(net.Width >= 1, $"{path}.width", $"must be a positive integer (got {net.Width})");
        }

        void CheckCrl(LearnerSpec learner, string path)
        {
            Check(learner.Gamma > 0 && learner.Gamma <= 1, $"{path}.gamma",
                $"must be a number in (0, 1], the discount of the geometric goal offsets (paper {Text(Paper.Gamma)}; got {Text(learner.Gamma)})");
            Check(SpecNames.Energy.IsDefined(learner.Energy), $"{path}.energy", $"must be one of {SpecNames.Energy.Allowed} (got {learner.Energy})");
            Check(SpecNames.ContrastiveLoss.IsDefined(learner.ContrastiveLoss), $"{path}.contrastive_loss",
                $"must be one of {SpecNames.ContrastiveLoss.Allowed} (got {learner.ContrastiveLoss})");
            Check(learner.LogSumExpPenalty >= 0 && double.IsFinite(learner.LogSumExpPenalty), $"{path}.logsumexp_penalty",
                $"must be a finite number >= 0 (paper {Text(Paper.LogSumExpPenalty)}; 0 turns it off; got {Text(learner.LogSumExpPenalty)})");
            Check(learner.ReprDim is >= 1 and <= MaxReprDim, $"{path}.repr_dim", $"must be an integer in [1, {MaxReprDim}] (paper {Paper.ReprDim}; got {learner.ReprDim})");
            Check(double.IsFinite(learner.TargetEntropyPerActionDim), $"{path}.target_entropy_per_action_dim",
                $"must be a finite number (paper {Text(Paper.TargetEntropyPerActionDim)}; got {Text(learner.TargetEntropyPerActionDim)})");
        }

        // Only the spelling here: whether the device exists is known on the silo the worker lands on, at its start.
        void CheckDevice(string? device, string path) =>
            Check(device is null || TorchDevices.IsValid(device), path, $"must be one of {TorchDevices.AllowedText}, or left out for the silo's FATHOM_DEVICE (got '{device}')");
    }

    /// <summary>Names go into grain keys and Redis keys, so they stay short and plain.</summary>
    public static bool IsName(string name) =>
        name.Length is >= 1 and <= 40 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_');

    private static string Text(double value) => value.ToString("R", System.Globalization.CultureInfo.InvariantCulture);

    private static bool IsLayout(string layout) => BuiltInLayouts.Contains(layout) || (layout.Length > 0 && File.Exists(layout));

    private static string LayoutMessage(string layout) =>
        $"must be a built-in layout ({string.Join(", ", BuiltInLayouts)}) or the path of a layout file (got '{layout}')";
}
