using System.Diagnostics;
using System.Net;
using StackExchange.Redis;

namespace Fathom.Replay;

/// <summary>
/// The replay store on Redis-compatible servers (redis-server 7, Redis Cluster, embedded Garnet with Lua enabled):
/// either N standalone endpoints with one shard each, or one Redis Cluster with shards spread over slots by hash tag.
/// Passwords and TLS come in through <see cref="ConfigurationOptions"/> and are never written to messages.
/// One client and one I/O model: every command goes through StackExchange.Redis, asynchronously on its multiplexer
/// (which pipelines the commands of all callers, routes them by slot and follows MOVED and ASK); no call blocks a thread.
/// </summary>
public sealed class RedisReplayStore : ReplayStoreBase
{
    // One shard's index step for a batch whose blobs are already stored under their own keys, episode by episode in
    // order: index unless indexed, count, evict the oldest beyond capacity (index entry, length and blob); atomic as a
    // script. The blobs stay out of the script (Lua would copy each of them), and one call serves a whole batch.
    // KEYS: lengths, index, size, inserted, evicted, then each episode's blob key. ARGV: shard capacity, blob key prefix (same
    // hash tag), then each episode's id and length. Returns per episode 1 and the evicted count when indexed now,
    // 0 and 0 when already indexed, -1 and 0 when its blob is missing.
    private const string IndexScript = """
        local capacity = tonumber(ARGV[1])
        local results = {}
        for i = 1, #KEYS - 5 do
          local id, length = ARGV[2 * i + 1], ARGV[2 * i + 2]
          local status, evicted = 1, 0
          if redis.call('EXISTS', KEYS[5 + i]) == 0 then
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
              local evictedLength = tonumber(string.sub(entry, 1, sep - 1))
              size = redis.call('DECRBY', KEYS[3], evictedLength)
              redis.call('INCRBY', KEYS[5], evictedLength)
              evicted = evicted + 1
            end
          end
          results[2 * i - 1] = status
          results[2 * i] = evicted
        end
        return results
        """;

    // Makes room on a shard whose server refused an append as out of memory: evicts up to ARGV[2] of its oldest
    // episodes (index entry, length and blob), always keeping the newest one. The first write (LPOP) is one Redis
    // allows past maxmemory, after which the script may finish. KEYS: lengths, index, size, evicted. ARGV: blob key prefix,
    // most episodes to evict. Returns the number evicted.
    private const string MakeRoomScript = """
        local evicted = 0
        while evicted < tonumber(ARGV[2]) and redis.call('LLEN', KEYS[2]) > 1 do
          local entry = redis.call('LPOP', KEYS[2])
          local sep = string.find(entry, ':', 1, true)
          local old = string.sub(entry, sep + 1)
          redis.call('DEL', ARGV[1] .. old)
          redis.call('HDEL', KEYS[1], old)
          local length = tonumber(string.sub(entry, 1, sep - 1))
          redis.call('DECRBY', KEYS[3], length)
          redis.call('INCRBY', KEYS[4], length)
          evicted = evicted + 1
        end
        return evicted
        """;

    // One shard's index entries appended after transition ARGV[1], newest first, read from the tail in pages until
    // they add up to what was appended since; the whole index, oldest first, when ARGV[1] is outside
    // [inserted - size, inserted]. KEYS: index, inserted, size. Returns inserted, size, the index's length, 1 when whole
    // (else 0), and the entries.
    private const string TailScript = """
        local inserted = tonumber(redis.call('GET', KEYS[2]) or '0')
        local size = tonumber(redis.call('GET', KEYS[3]) or '0')
        local count = redis.call('LLEN', KEYS[1])
        local after = tonumber(ARGV[1])
        if after < inserted - size or after > inserted then
          return {inserted, size, count, 1, redis.call('LRANGE', KEYS[1], 0, -1)}
        end
        local need = inserted - after
        local entries = {}
        local last = count - 1
        while need > 0 and last >= 0 do
          local first = math.max(0, last - 255)
          local page = redis.call('LRANGE', KEYS[1], first, last)
          for j = #page, 1, -1 do
            if need <= 0 then break end
            local entry = page[j]
            need = need - tonumber(string.sub(entry, 1, string.find(entry, ':', 1, true) - 1))
            entries[#entries + 1] = entry
          end
          last = first - 1
        end
        return {inserted, size, count, 0, entries}
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

    /// <summary>The store's StackExchange.Redis connections (per shard endpoint, or to the cluster), for instrumentation.</summary>
    public IReadOnlyList<IConnectionMultiplexer> Connections => _connections;

    /// <summary>
    /// One shard per endpoint (standalone servers). A shard that is down at start is retried in the background.
    /// Each shard gets <paramref name="connectionsPerShard"/> StackExchange.Redis multiplexers, used in turn.
    /// </summary>
    public static async Task<RedisReplayStore> ConnectShardsAsync(ReplayStoreOptions options, IReadOnlyList<ConfigurationOptions> shards, int connectionsPerShard = DefaultConnections)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count < 1) throw new ArgumentException("At least one shard endpoint is required.", nameof(shards));
        CheckConnections(connectionsPerShard, nameof(connectionsPerShard));
        var perShard = await Task.WhenAll(shards.Select(shard => Task.WhenAll(Enumerable.Range(0, connectionsPerShard).Select(_ => Connect(shard)))));
        var descriptions = shards.Select(Describe).ToArray();
        var turn = new int[shards.Count];
        return new RedisReplayStore(options, shards.Count, [.. perShard.SelectMany(c => c)],
            shard => perShard[shard][(int)((uint)Interlocked.Increment(ref turn[shard]) % (uint)connectionsPerShard)].GetDatabase(),
            shard => descriptions[shard]);
    }

    /// <summary>
    /// One Redis Cluster; <paramref name="shardCount"/> hash tags spread the run over its slots (use a few per master).
    /// <paramref name="connections"/> StackExchange.Redis multiplexers to the cluster, used in turn; each routes every
    /// command to its slot's master and follows MOVED and ASK.
    /// </summary>
    public static async Task<RedisReplayStore> ConnectClusterAsync(ReplayStoreOptions options, ConfigurationOptions cluster, int shardCount, int connections = DefaultConnections)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (shardCount < 1) throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, "ShardCount must be at least 1.");
        CheckConnections(connections, nameof(connections));
        var multiplexers = await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Connect(cluster)));
        string description = "cluster " + Describe(cluster);
        int turn = 0;
        return new RedisReplayStore(options, shardCount, multiplexers,
            _ => multiplexers[(int)((uint)Interlocked.Increment(ref turn) % (uint)connections)].GetDatabase(),
            shard => $"{description} slot tag {RedisReplayKeys.Tag(options.Run, shard)}");
    }

    /// <summary>
    /// StackExchange.Redis multiplexers per shard (or to the cluster) unless told otherwise. One multiplexer pipelines
    /// every caller's commands over one socket; more only help when long appends would hold up row reads behind them.
    /// </summary>
    public const int DefaultConnections = 1;

    /// <summary>Upper bound on the connections setting.</summary>
    public const int MaxConnections = 64;

    private static void CheckConnections(int connections, string name)
    {
        if (connections is < 1 or > MaxConnections)
            throw new ArgumentOutOfRangeException(name, connections, $"{name} must be in [1, {MaxConnections}].");
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
        try
        {
            while (true)
            {
                try
                {
                    return await AppendOrRetryMissingAsync(shard, blobs, shardCapacity, cancellationToken);
                }
                catch (RedisConnectionException) when (!cancellationToken.IsCancellationRequested)
                {
                    // Commands fail at once while a connection is down (so that reads skip the shard); an append
                    // waits for the multiplexer to reconnect, in short pauses, until the operation times out.
                    // Appends are safe to repeat.
                    await Task.Delay(ReconnectPause, cancellationToken);
                }
            }
        }
        catch (RedisServerException e) when (IsOutOfMemory(e))
        {
            // Capacity evicts only when an episode is indexed, and a refused write indexes nothing: without making
            // room here a store that reaches maxmemory before its capacity would refuse every append from then on.
            var evicted = await MakeRoomAsync(shard, blobs.Count, cancellationToken);
            throw new ReplayShardOutOfMemoryException(shard, _describe(shard), evicted, e);
        }
    }

    private static readonly TimeSpan ReconnectPause = TimeSpan.FromMilliseconds(100);

    /// <summary>Whether <paramref name="error"/> is a server's out-of-memory refusal (also when raised inside a script).</summary>
    public static bool IsOutOfMemory(Exception error) =>
        error is RedisServerException && error.Message.Contains("OOM command not allowed", StringComparison.Ordinal);

    /// <summary>Evicts up to <paramref name="episodes"/> of the shard's oldest episodes (never its newest); returns how many.</summary>
    private async Task<int> MakeRoomAsync(int shard, int episodes, CancellationToken cancellationToken)
    {
        string run = Options.Run;
        try
        {
            var evicted = await _database(shard).ScriptEvaluateAsync(MakeRoomScript,
                [RedisReplayKeys.Lengths(run, shard), RedisReplayKeys.Index(run, shard), RedisReplayKeys.Size(run, shard), RedisReplayKeys.Evicted(run, shard)],
                [RedisReplayKeys.EpisodePrefix(run, shard), episodes]).WaitAsync(Options.OperationTimeout, cancellationToken);
            return (int)evicted;
        }
        catch (RedisServerException e) when (IsOutOfMemory(e))
        {
            return 0; // nothing could be written, not even an eviction; the caller backs off all the same
        }
    }

    private async Task<(bool Stored, int Evicted)[]> AppendOrRetryMissingAsync(int shard, IReadOnlyList<BlobToAppend> blobs, long shardCapacity, CancellationToken cancellationToken)
    {
        var outcomes = await StoreAndIndexAsync(shard, blobs, shardCapacity, cancellationToken);
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
            var again = await StoreAndIndexAsync(shard, [.. missing.Select(i => blobs[i])], shardCapacity, cancellationToken);
            for (int j = 0; j < missing.Length; j++) outcomes[missing[j]] = again[j];
        }
    }

    private const int MissingBlobRetries = 2;

    /// <summary>
    /// Per blob: stored and evicted, or null when the blob was missing at its index step. One pipelined batch: SET NX
    /// of each blob, then the index script (StackExchange.Redis sends EVALSHA and falls back to EVAL on NOSCRIPT).
    /// </summary>
    private async Task<(bool Stored, int Evicted)?[]> StoreAndIndexAsync(int shard, IReadOnlyList<BlobToAppend> blobs, long shardCapacity, CancellationToken cancellationToken)
    {
        string run = Options.Run;
        var keys = new RedisKey[5 + blobs.Count];
        (keys[0], keys[1], keys[2], keys[3], keys[4]) = (RedisReplayKeys.Lengths(run, shard), RedisReplayKeys.Index(run, shard), RedisReplayKeys.Size(run, shard),
            RedisReplayKeys.Inserted(run, shard), RedisReplayKeys.Evicted(run, shard));
        var values = new RedisValue[2 + 2 * blobs.Count];
        (values[0], values[1]) = (shardCapacity, RedisReplayKeys.EpisodePrefix(run, shard));
        for (int i = 0; i < blobs.Count; i++)
        {
            keys[5 + i] = RedisReplayKeys.Episode(run, shard, blobs[i].Id);
            (values[2 + 2 * i], values[3 + 2 * i]) = (blobs[i].Id, blobs[i].Length);
        }
        var db = _database(shard);
        using var span = ClientSpan(ReplayTelemetry.Spans.ReplayStoreAndIndex, commands: blobs.Count + 1, db, keys[1]);
        var batch = db.CreateBatch();
        var sets = new Task[blobs.Count];
        for (int i = 0; i < blobs.Count; i++) sets[i] = batch.StringSetAsync(keys[5 + i], blobs[i].Blob, when: When.NotExists); // false when the key is there already
        var index = batch.ScriptEvaluateAsync(IndexScript, keys, values);
        batch.Execute();
        try
        {
            await Task.WhenAll([.. sets, index]).WaitAsync(cancellationToken);
        }
        catch
        {
            // Every failure is observed here; the first one (e.g. an OOM refusal of a SET) is the one reported.
            foreach (var task in sets.Append(index)) if (task.IsFaulted) throw task.Exception!.InnerException!;
            throw;
        }
        var result = (RedisResult[])index.Result!;
        return Enumerable.Range(0, blobs.Count).Select(i => (long)result[2 * i] switch
        {
            1 => ((bool, int)?)(true, (int)(long)result[2 * i + 1]),
            0 => (false, 0),
            _ => null,
        }).ToArray();
    }

    /// <summary>A client span around one pipelined round trip to the server of <paramref name="key"/>'s slot, tagged as Redis instrumentation tags its spans.</summary>
    private static Activity? ClientSpan(string operation, int commands, IDatabase db, RedisKey key)
    {
        var span = ReplayTelemetry.Source.StartActivity(operation, ActivityKind.Client);
        if (span is null) return null;
        span.SetTag("db.system.name", "redis");
        span.SetTag("db.operation.name", operation);
        span.SetTag("db.operation.batch.size", commands);
        var endpoint = db.IdentifyEndpoint(key, CommandFlags.None);
        if (endpoint is IPEndPoint ip) span.SetTag("server.address", ip.Address.ToString()).SetTag("server.port", ip.Port);
        else if (endpoint is DnsEndPoint dns) span.SetTag("server.address", dns.Host).SetTag("server.port", dns.Port);
        return span;
    }

    protected override async Task<ShardTail> ListShardAsync(int shard, long after, CancellationToken cancellationToken)
    {
        string run = Options.Run;
        var reply = (RedisResult[])(await _database(shard).ScriptEvaluateAsync(TailScript,
            [RedisReplayKeys.Index(run, shard), RedisReplayKeys.Inserted(run, shard), RedisReplayKeys.Size(run, shard)], [after]).WaitAsync(cancellationToken))!;
        bool whole = (long)reply[3] == 1;
        var raw = (RedisValue[])reply[4]!;
        var entries = new (string, int)[raw.Length];
        for (int i = 0; i < raw.Length; i++)
        {
            string text = raw[whole ? i : raw.Length - 1 - i]!; // the script gives appended entries newest first
            int sep = text.IndexOf(':');
            entries[i] = (text[(sep + 1)..], int.Parse(text.AsSpan(0, sep)));
        }
        return new ShardTail((long)reply[0], (long)reply[1], (long)reply[2], whole, entries);
    }

    protected override async Task<byte[]?[]> FetchBlobsAsync(int shard, string[] ids, CancellationToken cancellationToken)
    {
        var db = _database(shard);
        var batch = db.CreateBatch();
        var gets = ids.Select(id => batch.StringGetAsync(RedisReplayKeys.Episode(Options.Run, shard, id))).ToArray();
        batch.Execute();
        var values = await Task.WhenAll(gets).WaitAsync(cancellationToken);
        return [.. values.Select(v => (byte[]?)v)];
    }

    /// <summary>Pipelined GETRANGEs, one batch per shard and call: the row reads of a batch cost one round trip per shard.</summary>
    protected override async Task<byte[][]> ReadRangesAsync(int shard, IReadOnlyList<RowRange> ranges, CancellationToken cancellationToken)
    {
        var db = _database(shard);
        var batch = db.CreateBatch();
        var reads = new Task<RedisValue>[ranges.Count];
        for (int i = 0; i < ranges.Count; i++)
            reads[i] = batch.StringGetRangeAsync(RedisReplayKeys.Episode(Options.Run, shard, ranges[i].Id), ranges[i].Offset, ranges[i].Offset + ranges[i].Count - 1);
        batch.Execute();
        var values = await Task.WhenAll(reads).WaitAsync(cancellationToken);
        return [.. values.Select(v => (byte[]?)v ?? [])];
    }

    protected override async Task<ShardSizes> ShardSizesAsync(int shard, CancellationToken cancellationToken)
    {
        var db = _database(shard);
        string run = Options.Run;
        var size = db.StringGetAsync(RedisReplayKeys.Size(run, shard));
        var episodes = db.ListLengthAsync(RedisReplayKeys.Index(run, shard));
        var inserted = db.StringGetAsync(RedisReplayKeys.Inserted(run, shard));
        var evicted = db.StringGetAsync(RedisReplayKeys.Evicted(run, shard));
        await Task.WhenAll(size, episodes, inserted, evicted);
        return new ShardSizes((long?)size.Result ?? 0, episodes.Result, (long?)inserted.Result ?? 0, (long?)evicted.Result ?? 0);
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
        // ASK and MOVED that StackExchange.Redis could not follow: the shard's slot is migrating between masters.
        RedisServerException e => e.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal) || e.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
                                  || e.Message.StartsWith("ASK ", StringComparison.Ordinal) || e.Message.StartsWith("MOVED ", StringComparison.Ordinal)
                                  || e.Message.StartsWith("LOADING", StringComparison.Ordinal) || e.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal),
        _ => false,
    };

    public override async ValueTask DisposeAsync()
    {
        foreach (var connection in _connections) await connection.DisposeAsync();
    }
}
