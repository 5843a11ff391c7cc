namespace Fathom.Replay;

/// <summary>
/// B transitions with hindsight goals, row-major float32, ready to copy into tensors:
/// States [B*StateDim], Actions [B*ActionDim], Goals [B*GoalDim].
/// </summary>
public sealed record Minibatch(int Size, float[] States, float[] Actions, float[] Goals)
{
    /// <summary>The states that followed, [B*StateDim], when the sampler was asked for them (TD learners); else empty.</summary>
    public float[] NextStates { get; init; } = [];

    /// <summary>
    /// Bytes the store's servers sent for this batch's row reads (RESP2 replies with framing, counted from payload
    /// lengths; replacements of vanished episodes included, index reads not): bytes moved per update.
    /// </summary>
    public long SourceBytes { get; init; }

    /// <summary>Distinct episodes the rows come from: EpisodesPerBatch, or fewer when the store held fewer.</summary>
    public int DistinctEpisodes { get; init; }
}
