namespace Fathom.Replay;

/// <summary>
/// A replay shard could not be reached (down, timed out, failing over). Retryable: appending the same
/// episode again is safe, because an episode id is stored at most once.
/// </summary>
public sealed class ReplayShardUnavailableException(int shard, string endpoint, Exception inner)
    : Exception($"Replay shard {shard} ({endpoint}) is unavailable; the operation can be retried. {inner.GetType().Name}: {inner.Message}", inner)
{
    public int Shard { get; } = shard;

    /// <summary>Always true: the caller may retry after a delay or write to another shard.</summary>
    public bool IsRetryable => true;
}
