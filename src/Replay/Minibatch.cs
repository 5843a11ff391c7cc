namespace Fathom.Replay;

/// <summary>
/// B transitions with hindsight goals, row-major float32, ready to copy into tensors:
/// States [B*StateDim], Actions [B*ActionDim], Goals [B*GoalDim].
/// </summary>
public sealed record Minibatch(int Size, float[] States, float[] Actions, float[] Goals)
{
    /// <summary>This batch's share of the stored blob bytes read for its fetch: bytes fetched per batch.</summary>
    public long SourceBytes { get; init; }

    /// <summary>Distinct episodes the rows come from: EpisodesPerBatch, or fewer when the store held fewer.</summary>
    public int DistinctEpisodes { get; init; }
}
