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
    // One shard's append: store unless present, index, count, evict oldest beyond capacity; atomic as a script.
    // KEYS: episodes, index, size, inserted. ARGV: id, blob, length, shard capacity.
    private const string AppendScript = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then return {0, 0} end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        redis.call('RPUSH', KEYS[2], ARGV[3] .. ':' .. ARGV[1])
        local size = redis.call('INCRBY', KEYS[3], ARGV[3])
        redis.call('INCRBY', KEYS[4], ARGV[3])
        local capacity = tonumber(ARGV[4])
        local evicted = 0
        while size > capacity do
          local entry = redis.call('LPOP', KEYS[2])
          if not entry then break end
          local sep = string.find(entry, ':', 1, true)
          redis.call('HDEL', KEYS[1], string.sub(entry, sep + 1))
          size = redis.call('DECRBY', KEYS[3], tonumber(string.sub(entry, 1, sep - 1)))
          evicted = evicted + 1
        end
        return {1, evicted}
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
    /// <paramref name="connectionsPerShard"/> connections take turns per call: one connection carries one blob at a
    /// time, and a server that serves connections in parallel (Garnet) reads faster over several; single-threaded
    /// redis-server gains nothing from more than one.
    /// </summary>
    public static async Task<RedisReplayStore> ConnectShardsAsync(ReplayStoreOptions options, IReadOnlyList<ConfigurationOptions> shards, int connectionsPerShard = 1)
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
    public static async Task<RedisReplayStore> ConnectClusterAsync(ReplayStoreOptions options, ConfigurationOptions cluster, int shardCount, int connections = 1)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (shardCount < 1) throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, "ShardCount must be at least 1.");
        CheckConnections(connections, nameof(connections));
        var multiplexers = await Task.WhenAll(Enumerable.Repeat(cluster, connections).Select(Connect));
        string description = "cluster " + Describe(cluster);
        var turns = new Turns(connections);
        return new RedisReplayStore(options, shardCount, multiplexers, _ => multiplexers[turns.Next()].GetDatabase(), shard => $"{description} slot tag {RedisReplayKeys.Tag(options.Run, shard)}");
    }

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

    protected override async Task<(bool Stored, int Evicted)> AppendBlobAsync(int shard, string id, int length, ReadOnlyMemory<byte> blob, long shardCapacity, CancellationToken cancellationToken)
    {
        string run = Options.Run;
        RedisKey[] keys = [RedisReplayKeys.Episodes(run, shard), RedisReplayKeys.Index(run, shard), RedisReplayKeys.Size(run, shard), RedisReplayKeys.Inserted(run, shard)];
        RedisValue[] args = [id, blob, length, shardCapacity];
        var result = (RedisResult[])(await _database(shard).ScriptEvaluateAsync(AppendScript, keys, args))!;
        return ((long)result[0] == 1, (int)result[1]);
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
        // One pipelined HGET per episode into pooled leases: no large-object allocation per blob, and no single huge reply.
        var db = _database(shard);
        RedisKey key = RedisReplayKeys.Episodes(Options.Run, shard);
        var leases = ids.Select(id => db.HashGetLeaseAsync(key, id)).ToArray();
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

    protected override Task DeleteShardAsync(int shard, CancellationToken cancellationToken)
    {
        string run = Options.Run;
        return _database(shard).KeyDeleteAsync([RedisReplayKeys.Episodes(run, shard), RedisReplayKeys.Index(run, shard), RedisReplayKeys.Size(run, shard), RedisReplayKeys.Inserted(run, shard)]);
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
