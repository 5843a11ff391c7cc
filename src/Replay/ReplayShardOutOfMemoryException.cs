namespace Fathom.Replay;

/// <summary>
/// A replay shard's server refused a write as out of memory (Redis "OOM command not allowed when used memory >
/// 'maxmemory'"). Back-pressure, not a failure: nothing of the batch was indexed, the store has evicted
/// <see cref="EvictedEpisodes"/> of the shard's oldest episodes to make room, and the same append can be retried
/// after a pause (episode ids make a retry safe).
/// </summary>
public sealed class ReplayShardOutOfMemoryException(int shard, string endpoint, int evictedEpisodes, Exception inner)
    : Exception($"Replay shard {shard} ({endpoint}) is out of memory (maxmemory); evicted {evictedEpisodes} of its oldest episodes to make room, retry after a pause. {inner.Message}", inner)
{
    public int Shard { get; } = shard;

    public int EvictedEpisodes { get; } = evictedEpisodes;
}
