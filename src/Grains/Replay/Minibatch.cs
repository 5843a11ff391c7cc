namespace Fathom.Grains.Replay;

/// <summary>
/// B transitions with hindsight goals, row-major float32, ready to copy into tensors:
/// States [B*StateDim], Actions [B*ActionDim], Goals [B*GoalDim].
/// </summary>
public sealed record Minibatch(int Size, float[] States, float[] Actions, float[] Goals)
{
    /// <summary>This batch's share of the stored blob bytes read for its fetch (for throughput accounting).</summary>
    public long SourceBytes { get; init; }
}
