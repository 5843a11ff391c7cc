namespace Fathom.Replay;

/// <summary>
/// A replay store held in this process: same semantics as the Redis store (blobs, checksums, per-shard
/// capacity, oldest-first eviction), for unit tests and single-process runs without a server.
/// </summary>
public sealed class InMemoryReplayStore(ReplayStoreOptions options, int shardCount = 1) : ReplayStoreBase(options, shardCount)
{
    private sealed class Shard
    {
        public readonly Dictionary<string, byte[]> Blobs = new();
        public readonly LinkedList<(string Id, int Length)> Index = new();
        public long Transitions;
        public long Inserted;
        public long Evicted;
    }

    private readonly Shard[] _shards = Enumerable.Range(0, shardCount).Select(_ => new Shard()).ToArray();

    protected override Task<(bool Stored, int Evicted)[]> AppendBlobsAsync(int shard, IReadOnlyList<BlobToAppend> blobs, long shardCapacity, CancellationToken cancellationToken)
    {
        var s = _shards[shard];
        lock (s) return Task.FromResult(blobs.Select(blob => Append(s, blob, shardCapacity)).ToArray());
    }

    private static (bool Stored, int Evicted) Append(Shard s, BlobToAppend blob, long shardCapacity)
    {
        if (s.Blobs.ContainsKey(blob.Id)) return (false, 0);
        s.Blobs.Add(blob.Id, blob.Blob.ToArray());
        s.Index.AddLast((blob.Id, blob.Length));
        s.Transitions += blob.Length;
        s.Inserted += blob.Length;
        int evicted = 0;
        while (s.Transitions > shardCapacity && s.Index.First is { } oldest)
        {
            s.Index.RemoveFirst();
            s.Blobs.Remove(oldest.Value.Id);
            s.Transitions -= oldest.Value.Length;
            s.Evicted += oldest.Value.Length;
            evicted++;
        }
        return (true, evicted);
    }

    protected override Task<ShardTail> ListShardAsync(int shard, long after, CancellationToken cancellationToken)
    {
        var s = _shards[shard];
        lock (s)
        {
            if (after < s.Inserted - s.Transitions || after > s.Inserted)
                return Task.FromResult(new ShardTail(s.Inserted, s.Transitions, s.Index.Count, Whole: true, [.. s.Index]));
            var appended = new List<(string, int)>();
            long need = s.Inserted - after;
            for (var node = s.Index.Last; node is not null && need > 0; node = node.Previous)
            {
                appended.Add(node.Value);
                need -= node.Value.Length;
            }
            appended.Reverse();
            return Task.FromResult(new ShardTail(s.Inserted, s.Transitions, s.Index.Count, Whole: false, appended));
        }
    }

    protected override Task<byte[]?[]> FetchBlobsAsync(int shard, string[] ids, CancellationToken cancellationToken)
    {
        var s = _shards[shard];
        lock (s) return Task.FromResult(ids.Select(id => s.Blobs.TryGetValue(id, out var blob) ? blob : null).ToArray());
    }

    /// <summary>As GETRANGE: the bytes of each range within its blob, empty where the blob is gone.</summary>
    protected override Task<byte[][]> ReadRangesAsync(int shard, IReadOnlyList<RowRange> ranges, CancellationToken cancellationToken)
    {
        var s = _shards[shard];
        lock (s)
            return Task.FromResult(ranges.Select(r => s.Blobs.TryGetValue(r.Id, out var blob) && r.Offset < blob.Length
                ? blob.AsSpan((int)r.Offset, (int)Math.Min(r.Count, blob.Length - r.Offset)).ToArray()
                : []).ToArray());
    }

    protected override Task<ShardSizes> ShardSizesAsync(int shard, CancellationToken cancellationToken)
    {
        var s = _shards[shard];
        lock (s) return Task.FromResult(new ShardSizes(s.Transitions, s.Index.Count, s.Inserted, s.Evicted));
    }

    protected override Task DeleteShardAsync(int shard, CancellationToken cancellationToken)
    {
        var s = _shards[shard];
        lock (s)
        {
            s.Blobs.Clear();
            s.Index.Clear();
            s.Transitions = 0;
            s.Inserted = 0;
            s.Evicted = 0;
        }
        return Task.CompletedTask;
    }

    protected override string DescribeShard(int shard) => $"in-memory shard {shard}";

    protected override bool IsUnavailable(Exception exception) => false;

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
