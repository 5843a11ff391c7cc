namespace Fathom.Grains.Specs;

/// <summary>
/// The rules a spec must meet: every field's own rule (range, choices, spelling) from <see cref="SpecSchema"/>, then
/// the rules between fields: names that refer to each other, sizes that must fit together. Used by the loader and
/// again by the experiment grain before anything starts, since a spec may also be built in code.
/// </summary>
public static class SpecValidator
{
    public const string PointMaze = "point_maze";

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

        var behaviours = spec.Learners.Where(l => l.Role == LearnerRole.Behaviour).Select(l => l.Name).ToArray();
        for (var i = 0; i < spec.Collectors.Length; i++)
        {
            var group = spec.Collectors[i];
            Check(group.PerSilo is null || group.Count == 0, $"collectors[{i}].per_silo",
                $"cannot be given together with count (got count: {group.Count}, per_silo: {group.PerSilo}); give exactly one: " +
                "count for that many collectors in all, or per_silo for that many on each collector silo");
            Check(behaviours.Contains(group.Behaviour), $"collectors[{i}].behaviour",
                $"must name a learner with role behaviour (allowed: {(behaviours.Length == 0 ? "none declared" : string.Join(", ", behaviours))}; got '{group.Behaviour}')");
        }
        foreach (var learner in spec.Learners.Where(l => l.Role == LearnerRole.Behaviour))
        {
            var index = Array.IndexOf(spec.Learners, learner);
            Check(spec.Collectors.Any(c => c.Behaviour == learner.Name), $"learners[{index}].role",
                $"learner '{learner.Name}' is a behaviour learner but no collector group acts for it (use passive, or add a collector with behaviour: {learner.Name})");
        }

        Check(spec.Replay.CapacityTransitions >= spec.Replay.MinTransitions, "replay.capacity",
            $"must be at least replay.min_transitions ({spec.Replay.MinTransitions})");
        var largestBatch = spec.Learners.Length == 0 ? 0 : spec.Learners.Max(l => l.Batch);
        Check(spec.Replay.CapacityTransitions >= largestBatch, "replay.capacity", $"must hold at least the largest batch ({largestBatch})");
        return errors;
    }

    /// <summary>Names go into grain keys and Redis keys, so they stay short and plain.</summary>
    public static bool IsName(string name) =>
        name.Length is >= 1 and <= 40 && name.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-' or '_');

    private static string Text(double value) => SpecKinds.Spell(value);
}
