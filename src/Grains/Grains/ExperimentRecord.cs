using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;

namespace Fathom.Grains.Grains;

/// <summary>
/// What an experiment keeps in Orleans grain storage (Redis), so that its curves survive its own silo and a
/// reactivated experiment grain picks up where it was: the spec, the life-cycle state and everything measured.
/// </summary>
[GenerateSerializer, Alias("fathom.ExperimentRecord")]
public sealed class ExperimentRecord
{
    [Id(0)] public ExperimentSpec? Spec { get; set; }

    /// <summary>Canonical JSON of the spec, to recognise a repeated Start.</summary>
    [Id(1)] public string Fingerprint { get; set; } = "";

    [Id(2)] public ExperimentState State { get; set; }

    /// <summary>The state the run ends in once every worker has flushed (Finished at the budget, Stopped on request, Failed).</summary>
    [Id(3)] public ExperimentState EndState { get; set; }

    [Id(4)] public string? Error { get; set; }

    [Id(5)] public DateTime StartedAt { get; set; }

    /// <summary>Wall time of the whole run, set when it ends.</summary>
    [Id(6)] public double Seconds { get; set; }

    [Id(7)] public long EnvSteps { get; set; }

    [Id(8)] public long MaxPolicyLag { get; set; }

    [Id(9)] public long PolicyVersion { get; set; }

    /// <summary>Evaluation curve per learner name, ordered by updates (points of every incarnation of the learner).</summary>
    [Id(10)] public Dictionary<string, List<EvaluationPoint>> Curves { get; set; } = [];

    [Id(11)] public List<CollectionPoint> CollectorCurve { get; set; } = [];

    [Id(12)] public List<TopologyGrid> Topology { get; set; } = [];

    [Id(13)] public DateTime StoppingSince { get; set; }

    /// <summary>How often each worker (by grain key) was restarted after failing.</summary>
    [Id(14)] public Dictionary<string, int> Restarts { get; set; } = [];

    /// <summary>Episodes and env steps each collector incarnation (by producer name) reported writing: [episodes, env steps].</summary>
    [Id(15)] public Dictionary<string, long[]> Written { get; set; } = [];

    /// <summary>The run whose stores this experiment uses: its own key, or for a resumed segment the run it continues.</summary>
    [Id(16)] public string? Run { get; set; }

    /// <summary>How this segment started (kept or empty replay); zeros for a run's first segment.</summary>
    [Id(17)] public SegmentStart Segment { get; set; } = new(0, 0, 0);

    /// <summary>The per-silo collectors the run has on the collector silos up now; a silo's entries go when it leaves.</summary>
    [Id(18)] public List<SiloCollector> SiloCollectors { get; set; } = [];

    /// <summary>The index the next per-silo collector gets: indices are never reused, so seeds and producers stay unique.</summary>
    [Id(19)] public int NextCollectorIndex { get; set; }

    /// <summary>
    /// The activation that wrote this record: a write whose reply was lost (a store timeout under load) is then known
    /// as this activation's own, not as another writer's.
    /// </summary>
    [Id(20)] public Guid Writer { get; set; }
}

/// <summary>
/// One collector of a per-silo group: run-wide <paramref name="Index"/>, spec group <paramref name="Group"/>, and
/// the silo (parsable address) and slot on it that its grain key names.
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.SiloCollector")]
public sealed record SiloCollector(
    [property: Id(0)] int Index,
    [property: Id(1)] int Group,
    [property: Id(2)] string Silo,
    [property: Id(3)] int Slot);
