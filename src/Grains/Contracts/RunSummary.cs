namespace Fathom.Grains.Contracts;

/// <summary>How many keys of one run a store holds and the memory they take there (Redis MEMORY USAGE).</summary>
[GenerateSerializer, Immutable, Alias("fathom.StoreUsage")]
public sealed record StoreUsage(
    [property: Id(0)] string Store,
    [property: Id(1)] long Keys,
    [property: Id(2)] long Bytes);

/// <summary>One run as `fathom runs` lists it: its registered state and times (UTC) and what it holds on every store.</summary>
[GenerateSerializer, Immutable, Alias("fathom.RunSummary")]
public sealed record RunSummary(
    [property: Id(0)] string Run,
    [property: Id(1)] string State,
    [property: Id(2)] DateTime Started,
    [property: Id(3)] DateTime Updated,
    [property: Id(4)] StoreUsage[] Stores);
