namespace Fathom.Grains.Contracts;

/// <summary>
/// A collector's progress: env steps and episodes it wrote (counted only once the episode is in the store),
/// the behaviour version it acts with and its lag behind the newest published version. <see cref="Producer"/> names
/// this incarnation of the collector (its episodes' producer); a restarted collector counts from zero again.
/// <see cref="Device"/> is where its environments and policy run (cpu, cuda:N; empty until it has started).
/// <see cref="OomRetries"/> counts appends its replay shard refused as out of memory (each retried after a pause).
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.CollectorProgress")]
public sealed record CollectorProgress(
    [property: Id(0)] int Index,
    [property: Id(1)] ExperimentState State,
    [property: Id(2)] long EnvSteps,
    [property: Id(3)] long Episodes,
    [property: Id(4)] double EnvStepsPerSecond,
    [property: Id(5)] long PolicyVersion,
    [property: Id(6)] long PolicyLag,
    [property: Id(7)] long MaxPolicyLag,
    [property: Id(8)] CollectionPoint[] Curve,
    [property: Id(9)] string Silo,
    [property: Id(10)] string? Error,
    [property: Id(11)] string Producer,
    [property: Id(12)] string Device = "",
    [property: Id(13)] long OomRetries = 0);
