using Fathom.Grains.Stores;
using Fathom.Grains.Workers;
using Fathom.Learner.Envs;
using Fathom.Replay;

namespace Fathom.Grains.Specs;

/// <summary>
/// The rules a spec must meet: every field's own rule (range, choices, spelling) from <see cref="SpecSchema"/>, then
/// the rules between fields: names that refer to each other, sizes that must fit together. Used by the loader and
/// again by the experiment grain before anything starts, since a spec may also be built in code.
/// </summary>
public static class SpecValidator
{
    /// <summary>The built-in maze layouts (the envs' own list); a path to a layout file is accepted too.</summary>
    public static IReadOnlyCollection<string> BuiltInLayouts => Fathom.Learner.Envs.MazeLayout.BuiltInNames;

    /// <summary>Largest maze cell a spec may ask for, in the env's units (a sanity bound: the paper's Ant cells are 4 m).</summary>
    public const double MaxCellSize = 1000;

    public static void ThrowIfInvalid(ExperimentSpec spec)
    {
        var errors = Validate(spec);
        if (errors.Count > 0) throw new SpecException(errors);
    }

    public static IReadOnlyList<string> Validate(ExperimentSpec spec)
    {
        var errors = new List<string>();
        SpecSchema.Check(spec, errors);
        void Check(bool ok, string path, string message)
        {
            if (!ok) errors.Add($"{path}: {message}");
        }

        var names = new HashSet<string>();
        for (var i = 0; i < spec.Learners.Length; i++)
        {
            var learner = spec.Learners[i];
            var path = $"learners[{i}]";
            Check(names.Add(learner.Name), $"{path}.name", $"'{learner.Name}' is used by another learner; names must be unique");
            if (learner.ErrorBuffer is { } buffer && double.IsFinite(buffer))
            {
                var episodeLength = spec.Environment.EpisodeLength;
                var least = learner.MinErrorBuffer(episodeLength);
                Check(buffer >= least, $"{path}.rate_limiter_error_buffer",
                    $"must be a finite number of transitions >= (batch + samples_per_insert * episode_length) / 2 = {Text(least)}, or left out for " +
                    $"{Text(learner.Batch + learner.SamplesPerInsert * episodeLength)}; a narrower band can block a learner and a collector forever (got {Text(buffer)})");
            }
        }

        if (spec.Environment.CellSize is { } cell)
            Check(cell is > 0 and <= MaxCellSize, "environment.cell_size",
                $"must be a number in (0, {MaxCellSize}], or left out for {DefaultCellSizeText(spec.Environment.Kind)} (got {Text(cell)})");

        var behaviours = spec.Learners.Where(l => l.Role == LearnerRole.Behaviour).Select(l => l.Name).ToArray();
        for (var i = 0; i < spec.Collectors.Length; i++)
        {
            var group = spec.Collectors[i];
            Check(group.PerSilo is null || group.Count == 0, $"collectors[{i}].per_silo", CountWithPerSilo($"{group.Count}", $"{group.PerSilo}"));
            Check(behaviours.Contains(group.Behaviour), $"collectors[{i}].behaviour",
                $"must name a learner with role behaviour (allowed: {(behaviours.Length == 0 ? "none declared" : string.Join(", ", behaviours))}; got '{group.Behaviour}')");
        }
        foreach (var learner in spec.Learners.Where(l => l.Role == LearnerRole.Behaviour))
        {
            var index = Array.IndexOf(spec.Learners, learner);
            Check(spec.Collectors.Any(c => c.Behaviour == learner.Name), $"learners[{index}].role",
                $"learner '{learner.Name}' is a behaviour learner but no collector group acts for it (use passive, or add a collector with behaviour: {learner.Name})");
        }

        var replay = spec.Replay;
        Check(replay.CapacityTransitions >= replay.MinTransitions, "replay.capacity",
            $"must be at least replay.min_transitions ({replay.MinTransitions})");
        var largestBatch = spec.Learners.Length == 0 ? 0 : spec.Learners.Max(l => l.Batch);
        Check(replay.CapacityTransitions >= largestBatch, "replay.capacity", $"must hold at least the largest batch ({largestBatch})");
        var episode = spec.Environment.EpisodeLength;
        if (replay.Shards >= 1 && episode >= 1)
            Check(replay.CapacityTransitions / replay.Shards >= episode, "replay.capacity",
                $"must give each of the {replay.Shards} replay.shards room for one whole episode of environment.episode_length = {episode} transitions, " +
                $"so at least {(long)replay.Shards * episode}; a shard refuses an episode longer than its share (got {replay.CapacityTransitions})");
        Check(spec.BudgetEnvSteps >= replay.MinTransitions, "budget.env_steps",
            $"must be at least replay.min_transitions ({replay.MinTransitions}), else the learners never start training (got {spec.BudgetEnvSteps})");

        CheckLayout(spec.Environment.TrainLayout, "environment.train_layout", errors);
        CheckLayout(spec.Environment.EvalLayout, "environment.eval_layout", errors);

        // The rules below need the environment's sizes, so only a spec whose every field is valid gets there.
        if (errors.Count == 0) CheckSizes(spec, errors);
        return errors;
    }

    /// <summary>
    /// The most bytes one learner's networks may take: actor and both critic encoders, 4-byte floats, each with
    /// Adam's two moments. Far above the paper's largest networks; beyond it a learner would not fit a GPU or a
    /// silo's memory, and the run would fail only after starting.
    /// </summary>
    public const long MaxLearnerBytes = 32_000_000_000;

    /// <summary>
    /// The parameters of a learner's actor and of its critic (both encoders), counted from their shapes (no network is
    /// built), and the bytes they take with Adam's two moments: what <see cref="MaxLearnerBytes"/> bounds.
    /// </summary>
    public static (long Actor, long Critic, long Bytes) LearnerNetworks(LearnerSpec learner, EpisodeLayout layout)
    {
        long actor = RunMemory.ActorParameters(learner, layout), critic = RunMemory.CriticParameters(learner, layout);
        return (actor, critic, RunMemory.CheckpointCopies * 4 * (actor + critic));
    }

    /// <summary>
    /// The error of a collector group giving both count and per_silo, for a document (the values as written) and for a
    /// spec built in code alike.
    /// </summary>
    public static string CountWithPerSilo(string count, string perSilo) =>
        $"cannot be given together with count (got count: {count}, per_silo: {perSilo}); give exactly one: " +
        "count for that many collectors in all, or per_silo for that many on each collector silo";

    /// <summary>Largest layout a spec may give, as a file or as text, far above any real maze, so that no layout can exhaust memory or time.</summary>
    public const long MaxLayoutFileBytes = 1 << 20;

    /// <summary>
    /// A layout given as text or as a file must be small and parse as a maze; the schema has already checked that it is
    /// a built-in name, text, or an existing file.
    /// </summary>
    private static void CheckLayout(string layout, string path, List<string> errors)
    {
        if (BuiltInLayouts.Contains(layout)) return;
        if (MazeLayout.IsText(layout))
        {
            if (layout.Length > MaxLayoutFileBytes)
                errors.Add($"{path}: the layout must be at most {MaxLayoutFileBytes} characters (got {layout.Length})");
            else if (Parses(() => MazeLayout.Parse(layout)) is { } reason)
                errors.Add($"{path}: the layout does not parse: {reason} (a layout is rows of # . R G closed by walls)");
            return;
        }
        if (!File.Exists(layout)) return;
        try
        {
            var bytes = new FileInfo(layout).Length;
            if (bytes > MaxLayoutFileBytes)
                errors.Add($"{path}: the layout file must be at most {MaxLayoutFileBytes} bytes (got '{layout}' of {bytes} bytes)");
            else if (Parses(() => MazeLayout.Load(layout)) is { } reason)
                errors.Add($"{path}: the layout file does not parse: {reason} (got '{layout}'; a layout is rows of # . R G closed by walls)");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            errors.Add($"{path}: the layout file cannot be read: {e.Message} (got '{layout}')");
        }
    }

    /// <summary>Null when <paramref name="parse"/> succeeds, else why not.</summary>
    private static string? Parses(Action parse)
    {
        try
        {
            parse();
            return null;
        }
        catch (ArgumentException e)
        {
            return e.Message;
        }
    }

    /// <summary>Sizes that follow from the environment's state size: the collectors' chunk buffers and the learners' networks.</summary>
    private static void CheckSizes(ExperimentSpec spec, List<string> errors)
    {
        EpisodeLayout layout;
        try
        {
            layout = EnvironmentFactory.Layout(spec.Environment);
        }
        catch (ArgumentException e)
        {
            errors.Add($"environment.train_layout: cannot make an environment of it: {e.Message} (got '{spec.Environment.TrainLayout}')");
            return;
        }
        var length = spec.Environment.EpisodeLength;
        for (var i = 0; i < spec.Collectors.Length; i++)
        {
            var envs = spec.Collectors[i].Envs;
            var floats = EnvironmentLoop.ChunkBufferFloats(envs, length, layout);
            if (floats > EnvironmentLoop.MaxChunkBufferFloats)
                errors.Add($"collectors[{i}].envs: must be at most {EnvironmentLoop.MaxChunkBufferFloats / (floats / envs)} with environment.episode_length = {length}, " +
                           $"since a collector buffers (episode_length + 1) x envs x state size ({layout.StateDim}) floats and one buffer holds at most " +
                           $"{EnvironmentLoop.MaxChunkBufferFloats}; lower envs (add collectors instead) or episode_length (got {envs}, which needs {floats})");
        }

        for (var i = 0; i < spec.Learners.Length; i++)
        {
            var learner = spec.Learners[i];
            var (actor, critic, bytes) = LearnerNetworks(learner, layout);
            if (bytes > MaxLearnerBytes)
                errors.Add($"learners[{i}]: networks must take at most {RunMemory.Mb(MaxLearnerBytes)} (parameters of actor and critic, 4 bytes each, " +
                           $"plus Adam's two moments); actor depth {learner.Actor.Depth} x width {learner.Actor.Width} has {actor:N0} parameters and critic " +
                           $"depth {learner.Critic.Depth} x width {learner.Critic.Width} {critic:N0}, which take {RunMemory.Mb(bytes)}; lower the depths or widths");
        }
    }

    /// <summary>Names go into grain keys and Redis keys, so they stay short and plain.</summary>
    public static bool IsName(string name) =>
        name.Length is >= 1 and <= 40 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_');

    private static string Text(double value) => SpecKinds.Spell(value);

    /// <summary>Whose default cell size a spec without one gets: its kind's, or each kind's when the kind is itself wrong.</summary>
    private static string DefaultCellSizeText(string kind) => EnvironmentFactory.Kinds.Contains(kind)
        ? $"{kind}'s own {Text(EnvironmentFactory.DefaultCellSize(kind))}"
        : "the kind's own (" + string.Join(", ", EnvironmentFactory.Kinds.Select(k => $"{k} {Text(EnvironmentFactory.DefaultCellSize(k))}")) + ")";
}
