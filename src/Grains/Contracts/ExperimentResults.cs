using Fathom.Grains.Specs;

namespace Fathom.Grains.Contracts;

/// <summary>
/// What a run produced: one evaluation curve per learner, the collectors' curve (merged over collectors, ordered by
/// env steps) and the topology probe grids computed at the end.
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.ExperimentResults")]
public sealed record ExperimentResults(
    [property: Id(0)] string Run,
    [property: Id(1)] ExperimentState State,
    [property: Id(2)] ExperimentSpec? Spec,
    [property: Id(3)] LearnerCurve[] Learners,
    [property: Id(4)] CollectionPoint[] Collectors,
    [property: Id(5)] TopologyGrid[] Topology,
    [property: Id(6)] long EnvSteps,
    [property: Id(7)] double Seconds);
