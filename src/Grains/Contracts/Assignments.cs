using Fathom.Grains.Specs;

namespace Fathom.Grains.Contracts;

/// <summary>
/// What a learner grain is asked to do: learner <see cref="Name"/> of <see cref="Spec"/> in run <see cref="Run"/>
/// (the name its stores' keys carry), which started at <see cref="StartedAt"/> (UTC; evaluation times are counted
/// from it), for the experiment grain <see cref="Experiment"/> (the run itself, or a resumed segment of it).
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.LearnerAssignment")]
public sealed record LearnerAssignment(
    [property: Id(0)] string Run,
    [property: Id(1)] string Name,
    [property: Id(2)] ExperimentSpec Spec,
    [property: Id(3)] DateTime StartedAt,
    [property: Id(4)] string? Experiment = null)
{
    public LearnerSpec Learner => Spec.Learner(Name);

    /// <summary>Key of the experiment grain that started this learner.</summary>
    public string ExperimentKey => Experiment ?? Run;
}

/// <summary>
/// What a collector grain is asked to do: collector number <see cref="Index"/> (0-based, unique over the run) of
/// <see cref="Spec"/> in run <see cref="Run"/>, writing to replay shard <see cref="Shard"/>; the run started at
/// <see cref="StartedAt"/> (UTC); <see cref="Experiment"/> is the experiment grain that started it. A collector of a
/// per-silo group names its group in <see cref="PerSiloGroup"/>; a fixed-count one's group follows from its index.
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.CollectorAssignment")]
public sealed record CollectorAssignment(
    [property: Id(0)] string Run,
    [property: Id(1)] int Index,
    [property: Id(2)] ExperimentSpec Spec,
    [property: Id(3)] DateTime StartedAt,
    [property: Id(4)] string? Experiment = null,
    [property: Id(5)] int? PerSiloGroup = null)
{
    /// <summary>Key of the experiment grain that started this collector.</summary>
    public string ExperimentKey => Experiment ?? Run;

    /// <summary>The group this collector belongs to.</summary>
    public CollectorSpec Group => Spec.Collectors[GroupIndex];

    /// <summary>
    /// The position of <see cref="Group"/> in the spec's collector list (what error messages name: collectors[i]):
    /// <see cref="PerSiloGroup"/>, or for a fixed-count collector the group whose range of indices holds <see cref="Index"/>.
    /// </summary>
    public int GroupIndex
    {
        get
        {
            if (PerSiloGroup is { } group) return group;
            var first = 0;
            for (var i = 0; i < Spec.Collectors.Length; i++)
            {
                if (Spec.Collectors[i].PerSilo is null && Index < first + Spec.Collectors[i].Count) return i;
                if (Spec.Collectors[i].PerSilo is null) first += Spec.Collectors[i].Count;
            }
            throw new ArgumentOutOfRangeException(nameof(Index), Index, $"a fixed-count collector's index must be in [0, {Spec.FixedCollectorCount})");
        }
    }

    /// <summary>Collectors are spread round-robin over the replay shards.</summary>
    public int Shard => Index % Spec.Replay.Shards;
}
