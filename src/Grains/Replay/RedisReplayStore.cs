using System.Buffers;
using StackExchange.Redis;

namespace Fathom.Grains.Replay;

/// <summary>
/// The replay store on Redis-compatible servers (redis-server 7, Redis Cluster, embedded Garnet with Lua enabled):
/// either N standalone endpoints with one shard each, or one Redis Cluster with shards spread over slots by hash tag.
/// Passwords and TLS come in through <see cref="ConfigurationOptions"/> and are never written to messages.
/// </summary>
public sealed class RedisReplayStore : ReplayStoreBase
{
    // One shard's index step for a batch whose blobs are already stored under their own keys, episode by episode in
    // order: index unless indexed, count, evict the oldest beyond capacity (index entry, length and blob); atomic as a
    // script. The blobs stay out of the script: passing 100s of KB through Lua costs the server a copy per call, which
    // halved append throughput on Garnet. One call per batch, not per episode: on Garnet, full-store appends of 16
    // episodes per call moved 18% more bytes than one per call (1,743 against 1,480 MB/s), fills 25% more.
    // KEYS: lengths, index, size, inserted, then each episode's blob key. ARGV: shard capacity, blob key prefix (same
    // hash tag), then each episode's id and length. Returns per episode 1 and the evicted count when indexed now,
    // 0 and 0 when already indexed, -1 and 0 when its blob is missing.
    private const string IndexScript = """
        local capacity = tonumber(ARGV[1])
        local results = {}
        for i = 1, #KEYS - 4 do
          local id, length = ARGV[2 * i + 1], ARGV[2 * i + 2]
          local status, evicted = 1, 0
          if redis.call('EXISTS', KEYS[4 + i]) == 0 then
            status = -1
          elseif redis.call('HSETNX', KEYS[1], id, length) == 0 then
            status = 0
          else
            redis.call('RPUSH', KEYS[2], length .. ':' .. id)
            local size = redis.call('INCRBY', KEYS[3], length)
            redis.call('INCRBY', KEYS[4], length)
            while size > capacity do
              local entry = redis.call('LPOP', KEYS[2])
              if not entry then break end
              local sep = string.find(entry, ':', 1, true)
              local old = string.sub(entry, sep + 1)
              redis.call('DEL', ARGV[2] .. old)
              redis.call('HDEL', KEYS[1], old)
              size = redis.call('DECRBY', KEYS[3], tonumber(string.sub(entry, 1, sep - 1)))
              evicted = evicted + 1
            end
          end
          results[2 * i - 1] = status
          results[2 * i] = evicted
        end
        return results
        """;

    private readonly IReadOnlyList<ConnectionMultiplexer> _connections;
    private readonly Func<int, IDatabase> _database;
    private readonly Func<int, string> _describe;

    private RedisReplayStore(ReplayStoreOptions options, int shardCount, IReadOnlyList<ConnectionMultiplexer> connections, Func<int, IDatabase> database, Func<int, string> describe)
        : base(options, shardCount)
    {
        _connections = connections;
        _database = database;
        _describe = describe;
    }

    /// <summary>The store's connections (one per shard endpoint, or one to the cluster), for instrumentation.</summary>
    public IReadOnlyList<IConnectionMultiplexer> Connections => _connections;

    /// <summary>
    /// One shard per endpoint (standalone servers). A shard that is down at start is retried in the background.
    /// <paramref name="connectionsPerShard"/> connections take turns per call (see <see cref="DefaultConnections"/>).
    /// </summary>
    public static async Task<RedisReplayStore> ConnectShardsAsync(ReplayStoreOptions options, IReadOnlyList<ConfigurationOptions> shards, int connectionsPerShard = DefaultConnections)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count < 1) throw new ArgumentException("At least one shard endpoint is required.", nameof(shards));
        CheckConnections(connectionsPerShard, nameof(connectionsPerShard));
        var connections = await Task.WhenAll(shards.SelectMany(shard => Enumerable.Repeat(shard, connectionsPerShard)).Select(Connect));
        var descriptions = shards.Select(Describe).ToArray();
        var turns = new Turns(connectionsPerShard);
        return new RedisReplayStore(options, shards.Count, connections, shard => connections[shard * connectionsPerShard + turns.Next()].GetDatabase(), shard => descriptions[shard]);
    }

    /// <summary>
    /// One Redis Cluster; <paramref name="shardCount"/> hash tags spread the run over its slots (use a few per master).
    /// <paramref name="connections"/> cluster connections take turns per call, as in <see cref="ConnectShardsAsync"/>.
    /// </summary>
    public static async Task<RedisReplayStore> ConnectClusterAsync(ReplayStoreOptions options, ConfigurationOptions cluster, int shardCount, int connections = DefaultConnections)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (shardCount < 1) throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, "ShardCount must be at least 1.");
        CheckConnections(connections, nameof(connections));
        var multiplexers = await Task.WhenAll(Enumerable.Repeat(cluster, connections).Select(Connect));
        string description = "cluster " + Describe(cluster);
        var turns = new Turns(connections);
        return new RedisReplayStore(options, shardCount, multiplexers, _ => multiplexers[turns.Next()].GetDatabase(), shard => $"{description} slot tag {RedisReplayKeys.Tag(options.Run, shard)}");
    }

    /// <summary>
    /// Connections per shard (or to a cluster) unless told otherwise. One connection carries one large reply at a time:
    /// Garnet serves connections in parallel, and over a single connection redis-server's sampling fell into a slow
    /// mode (500-650 instead of 1,600-1,740 MB/s) in most runs, over four in 2 of 16 (docs/benchmarks.md).
    /// </summary>
    public const int DefaultConnections = 4;

    /// <summary>Upper bound on connections per shard (or to a cluster).</summary>
    public const int MaxConnections = 64;

    private static void CheckConnections(int connections, string name)
    {
        if (connections is < 1 or > MaxConnections)
            throw new ArgumentOutOfRangeException(name, connections, $"{name} must be in [1, {MaxConnections}].");
    }

    /// <summary>Round-robin over n connections, safe across threads.</summary>
    private sealed class Turns(int count)
    {
        private uint _next;

        public int Next() => count == 1 ? 0 : (int)(Interlocked.Increment(ref _next) % (uint)count);
    }

    private static Task<ConnectionMultiplexer> Connect(ConfigurationOptions configuration)
    {
        var options = configuration.Clone();
        // Start and keep running while a shard is down; fail its commands at once instead of queueing them.
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return ConnectionMultiplexer.ConnectAsync(options);
    }

    private static string Describe(ConfigurationOptions configuration) => string.Join(",", configuration.EndPoints.Select(e => e.ToString()));

    /// <summary>
    /// The batch's commands sent back to back on one connection (one round trip): SET NX of each blob under its own key,
    /// then one index script for all of them. Readers only find episodes through the index, and the script indexes only
    /// a stored blob, so they never see half an append. If the connection drops before the script, the blobs wait
    /// unindexed until the writer's retry (the same ids) indexes them; deleting the run removes them in any case.
    /// </summary>
    protected override async Task<(bool Stored, int Evicted)[]> AppendBlobsAsync(int shard, IReadOnlyList<BlobToAppend> blobs, long shardCapacity, CancellationToken cancellationToken)
    {
        var outcomes = await StoreAndIndexAsync(shard, blobs, shardCapacity);
        // A blob can be gone by the time its index step runs: it was an older copy of the same id, evicted meanwhile (by
        // an episode before it in the batch, or by another writer), or the run was deleted. One after another, the
        // append would have stored it anew, so it is appended again.
        for (int attempt = 1; ; attempt++)
        {
            var missing = Enumerable.Range(0, blobs.Count).Where(i => outcomes[i] is null).ToArray();
            if (missing.Length == 0) return [.. outcomes.Select(o => o!.Value)];
            if (attempt > MissingBlobRetries)
                throw new InvalidOperationException($"Episode {blobs[missing[0]].Id} was gone from shard {shard} ({_describe(shard)}) whenever its index step ran " +
                                                    $"({MissingBlobRetries + 1} times), so it was not indexed: the blob is evicted or deleted as fast as it is written, or the server is out of memory.");
            var again = await StoreAndIndexAsync(shard, [.. missing.Select(i => blobs[i])], shardCapacity);
            for (int j = 0; j < missing.Length; j++) outcomes[missing[j]] = again[j];
        }
    }

    private const int MissingBlobRetries = 2;

    /// <summary>Per blob: stored and evicted, or null when the blob was missing at its index step.</summary>
    private async Task<(bool Stored, int Evicted)?[]> StoreAndIndexAsync(int shard, IReadOnlyList<BlobToAppend> blobs, long shardCapacity)
    {
        string run = Options.Run;
        var db = _database(shard);
        var keys = new RedisKey[4 + blobs.Count];
        (keys[0], keys[1], keys[2], keys[3]) = (RedisReplayKeys.Lengths(run, shard), RedisReplayKeys.Index(run, shard), RedisReplayKeys.Size(run, shard), RedisReplayKeys.Inserted(run, shard));
        var args = new RedisValue[2 + 2 * blobs.Count];
        (args[0], args[1]) = (shardCapacity, RedisReplayKeys.EpisodePrefix(run, shard));
        var stores = new Task[blobs.Count];
        for (int i = 0; i < blobs.Count; i++)
        {
            keys[4 + i] = RedisReplayKeys.Episode(run, shard, blobs[i].Id);
            (args[2 + 2 * i], args[3 + 2 * i]) = (blobs[i].Id, blobs[i].Length);
            stores[i] = db.StringSetAsync(keys[4 + i], blobs[i].Blob, when: When.NotExists);
        }
        var index = db.ScriptEvaluateAsync(IndexScript, keys, args);
        await Task.WhenAll([.. stores, index]); // observes all; a failed blob write surfaces first
        var result = (RedisResult[])index.Result!;
        return [.. Enumerable.Range(0, blobs.Count).Select(i => (long)result[2 * i] switch
        {
            1 => ((bool, int)?)(true, (int)result[2 * i + 1]),
            0 => (false, 0),
            _ => null,
        })];
    }

    protected override async Task<IReadOnlyList<(string Id, int Length)>> ListShardAsync(int shard, CancellationToken cancellationToken)
    {
        var entries = await _database(shard).ListRangeAsync(RedisReplayKeys.Index(Options.Run, shard));
        var list = new List<(string, int)>(entries.Length);
        foreach (var entry in entries)
        {
            string text = entry!;
            int sep = text.IndexOf(':');
            list.Add((text[(sep + 1)..], int.Parse(text.AsSpan(0, sep))));
        }
        return list;
    }

    protected override async Task<IMemoryOwner<byte>?[]> FetchBlobsAsync(int shard, string[] ids, CancellationToken cancellationToken)
    {
        // One pipelined GET per episode into pooled leases: no large-object allocation per blob, and no single huge reply.
        var db = _database(shard);
        var leases = ids.Select(id => db.StringGetLeaseAsync(RedisReplayKeys.Episode(Options.Run, shard, id))).ToArray();
        try
        {
            return await Task.WhenAll(leases);
        }
        catch
        {
            foreach (var lease in leases) if (lease.IsCompletedSuccessfully) lease.Result?.Dispose();
            throw;
        }
    }

    protected override async Task<ShardSizes> ShardSizesAsync(int shard, CancellationToken cancellationToken)
    {
        var db = _database(shard);
        string run = Options.Run;
        var size = db.StringGetAsync(RedisReplayKeys.Size(run, shard));
        var episodes = db.ListLengthAsync(RedisReplayKeys.Index(run, shard));
        var inserted = db.StringGetAsync(RedisReplayKeys.Inserted(run, shard));
        await Task.WhenAll(size, episodes, inserted);
        return new ShardSizes((long?)size.Result ?? 0, episodes.Result, (long?)inserted.Result ?? 0);
    }

    /// <summary>
    /// Deletes every key of the shard's hash tag, found by SCAN on the server that holds the tag's slot: the counters,
    /// the index and each blob, including a blob whose append was cut off before it was indexed.
    /// </summary>
    protected override async Task DeleteShardAsync(int shard, CancellationToken cancellationToken)
    {
        var db = _database(shard);
        RedisKey anyKey = RedisReplayKeys.Index(Options.Run, shard);
        var endpoint = await db.IdentifyEndpointAsync(anyKey) ?? throw new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, $"No server holds {anyKey}.", null, CommandStatus.Unknown);
        var server = db.Multiplexer.GetServer(endpoint);
        var batch = new List<RedisKey>(DeleteBatch);
        await foreach (var key in server.KeysAsync(pattern: RedisReplayKeys.ShardPattern(Options.Run, shard), pageSize: DeleteBatch).WithCancellation(cancellationToken))
        {
            batch.Add(key);
            if (batch.Count == DeleteBatch) await DeleteKeysAsync(db, batch);
        }
        await DeleteKeysAsync(db, batch);
    }

    private const int DeleteBatch = 512;

    private static async Task DeleteKeysAsync(IDatabase db, List<RedisKey> keys)
    {
        if (keys.Count == 0) return;
        await db.KeyDeleteAsync([.. keys]);
        keys.Clear();
    }

    protected override string DescribeShard(int shard) => _describe(shard);

    protected override bool IsUnavailable(Exception exception) => exception switch
    {
        RedisConnectionException or RedisTimeoutException or TimeoutException => true,
        RedisServerException e => e.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal) || e.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
                                  || e.Message.StartsWith("LOADING", StringComparison.Ordinal) || e.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal),
        _ => false,
    };

    public override async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections) await connection.DisposeAsync();
    }
}
