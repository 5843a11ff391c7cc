namespace Fathom.Grains.Contracts;

/// <summary>
/// How a resumed segment of a run started: with the replay the store still held (<see cref="KeptTransitions"/> &gt; 0;
/// env steps then continue from the store's own count, <see cref="EnvStepsOffset"/> is 0) or from an empty replay
/// (the store lost it; env steps are counted from <see cref="EnvStepsOffset"/>, where the run stopped).
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.SegmentStart")]
public sealed record SegmentStart(
    [property: Id(0)] long KeptTransitions,
    [property: Id(1)] long KeptEpisodes,
    [property: Id(2)] long EnvStepsOffset)
{
    public bool KeptReplay => KeptTransitions > 0;
}
