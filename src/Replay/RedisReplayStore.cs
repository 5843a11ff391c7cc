using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using StackExchange.Redis;

namespace Fathom.Replay;

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

    // Makes room on a shard whose server refused an append as out of memory: evicts up to ARGV[2] of its oldest
    // episodes (index entry, length and blob), always keeping the newest one. The first write (LPOP) is one Redis
    // allows past maxmemory, after which the script may finish. KEYS: lengths, index, size. ARGV: blob key prefix,
    // most episodes to evict. Returns the number evicted.
    private const string MakeRoomScript = """
        local evicted = 0
        while evicted < tonumber(ARGV[2]) and redis.call('LLEN', KEYS[2]) > 1 do
          local entry = redis.call('LPOP', KEYS[2])
          local sep = string.find(entry, ':', 1, true)
          local old = string.sub(entry, sep + 1)
          redis.call('DEL', ARGV[1] .. old)
          redis.call('HDEL', KEYS[1], old)
          redis.call('DECRBY', KEYS[3], tonumber(string.sub(entry, 1, sep - 1)))
          evicted = evicted + 1
        end
        return evicted
        """;

    private readonly IReadOnlyList<ConnectionMultiplexer> _connections;
    private readonly Func<int, IDatabase> _database;
    private readonly Func<int, ConfigurationOptions> _configuration;
    private readonly Func<int, string> _describe;
    private readonly int _blobConnections;
    /// <summary>The server of each shard's hash tag, once known; cleared when its connection is lost, moved by MOVED.</summary>
    private readonly EndPoint?[] _shardServers;
    private readonly ConcurrentDictionary<EndPoint, RespConnectionPool> _pools = new();

    private RedisReplayStore(ReplayStoreOptions options, int shardCount, IReadOnlyList<ConnectionMultiplexer> connections, Func<int, IDatabase> database,
        Func<int, ConfigurationOptions> configuration, Func<int, string> describe, int blobConnections)
        : base(options, shardCount)
    {
        _connections = connections;
        _database = database;
        _configuration = configuration;
        _describe = describe;
        _blobConnections = blobConnections;
        _shardServers = new EndPoint?[shardCount];
    }

    /// <summary>The store's StackExchange.Redis connections (one per shard endpoint, or one to the cluster), for instrumentation.</summary>
    public IReadOnlyList<IConnectionMultiplexer> Connections => _connections;

    /// <summary>
    /// One shard per endpoint (standalone servers). A shard that is down at start is retried in the background.
    /// Episodes travel over at most <paramref name="connectionsPerShard"/> connections to each shard (see <see cref="DefaultConnections"/>).
    /// </summary>
    public static async Task<RedisReplayStore> ConnectShardsAsync(ReplayStoreOptions options, IReadOnlyList<ConfigurationOptions> shards, int connectionsPerShard = DefaultConnections)
    {
        ArgumentNullException.ThrowIfNull(shards);
        if (shards.Count < 1) throw new ArgumentException("At least one shard endpoint is required.", nameof(shards));
        CheckConnections(connectionsPerShard, nameof(connectionsPerShard));
        var connections = await Task.WhenAll(shards.Select(Connect));
        var descriptions = shards.Select(Describe).ToArray();
        return new RedisReplayStore(options, shards.Count, connections, shard => connections[shard].GetDatabase(), shard => shards[shard], shard => descriptions[shard], connectionsPerShard);
    }

    /// <summary>
    /// One Redis Cluster; <paramref name="shardCount"/> hash tags spread the run over its slots (use a few per master).
    /// Episodes travel over at most <paramref name="connections"/> connections to each master, as in <see cref="ConnectShardsAsync"/>.
    /// </summary>
    public static async Task<RedisReplayStore> ConnectClusterAsync(ReplayStoreOptions options, ConfigurationOptions cluster, int shardCount, int connections = DefaultConnections)
    {
        ArgumentNullException.ThrowIfNull(cluster);
        if (shardCount < 1) throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, "ShardCount must be at least 1.");
        CheckConnections(connections, nameof(connections));
        var multiplexer = await Connect(cluster);
        string description = "cluster " + Describe(cluster);
        return new RedisReplayStore(options, shardCount, [multiplexer], _ => multiplexer.GetDatabase(), _ => cluster,
            shard => $"{description} slot tag {RedisReplayKeys.Tag(options.Run, shard)}", connections);
    }

    /// <summary>
    /// Connections that carry episodes to and from one server unless told otherwise: one per operation in flight, as
    /// redis-benchmark opens one per client. Counters, index reads and deletes share one StackExchange.Redis connection per
    /// shard (or to the cluster).
    /// </summary>
    public const int DefaultConnections = 8;

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
            return await AppendOrRetryMissingAsync(shard, blobs, shardCapacity, cancellationToken);
        }
        catch (RedisServerException e) when (IsOutOfMemory(e))
        {
            // Capacity evicts only when an episode is indexed, and a refused write indexes nothing: without making
            // room here a store that reaches maxmemory before its capacity would refuse every append from then on.
            var evicted = await MakeRoomAsync(shard, blobs.Count, cancellationToken);
            throw new ReplayShardOutOfMemoryException(shard, _describe(shard), evicted, e);
        }
    }

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
                [RedisReplayKeys.Lengths(run, shard), RedisReplayKeys.Index(run, shard), RedisReplayKeys.Size(run, shard)],
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
    /// Per blob: stored and evicted, or null when the blob was missing at its index step. The script goes as EVAL, not
    /// EVALSHA: the server hashes its 1.4 KB per batch of megabytes, and a restarted server needs no SCRIPT LOAD.
    /// </summary>
    private Task<(bool Stored, int Evicted)?[]> StoreAndIndexAsync(int shard, IReadOnlyList<BlobToAppend> blobs, long shardCapacity, CancellationToken cancellationToken)
    {
        string run = Options.Run;
        var eval = new string[3 + 4 + blobs.Count + 2 + 2 * blobs.Count];
        (eval[0], eval[1], eval[2]) = ("EVAL", IndexScript, (4 + blobs.Count).ToString(CultureInfo.InvariantCulture));
        (eval[3], eval[4], eval[5], eval[6]) = (RedisReplayKeys.Lengths(run, shard), RedisReplayKeys.Index(run, shard), RedisReplayKeys.Size(run, shard), RedisReplayKeys.Inserted(run, shard));
        int argv = 7 + blobs.Count;
        (eval[argv], eval[argv + 1]) = (shardCapacity.ToString(CultureInfo.InvariantCulture), RedisReplayKeys.EpisodePrefix(run, shard));
        for (int i = 0; i < blobs.Count; i++)
        {
            eval[7 + i] = RedisReplayKeys.Episode(run, shard, blobs[i].Id);
            (eval[argv + 2 + 2 * i], eval[argv + 3 + 2 * i]) = (blobs[i].Id, blobs[i].Length.ToString(CultureInfo.InvariantCulture));
        }
        return OnShardServerAsync(shard, async (connection, ct) =>
        {
            using var span = connection.StartSpan(ReplayTelemetry.Spans.ReplayStoreAndIndex, commands: blobs.Count + 1);
            for (int i = 0; i < blobs.Count; i++) connection.Command(["SET", eval[7 + i], "NX"], payloadAt: 2, blobs[i].Blob);
            connection.Command(eval);
            await connection.SendAsync(ct);
            for (int i = 0; i < blobs.Count; i++) await connection.ReadAsync(ct); // OK, or nil when the key is there already
            var result = (object?[])(await connection.ReadAsync(ct))!;
            return Enumerable.Range(0, blobs.Count).Select(i => (long)result[2 * i]! switch
            {
                1 => ((bool, int)?)(true, (int)(long)result[2 * i + 1]!),
                0 => (false, 0),
                _ => null,
            }).ToArray();
        }, cancellationToken);
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

    protected override Task<IMemoryOwner<byte>?[]> FetchBlobsAsync(int shard, string[] ids, CancellationToken cancellationToken)
    {
        // Pipelined GETs, each reply read straight into a pooled buffer of its size: no large-object allocation per blob.
        return OnShardServerAsync(shard, async (connection, ct) =>
        {
            using var span = connection.StartSpan(ReplayTelemetry.Spans.ReplayGet, commands: ids.Length);
            QueueGets(connection, shard, ids);
            await connection.SendAsync(ct);
            return await ReadBlobsAsync(connection, ids.Length, ct);
        }, cancellationToken);
    }

    private void QueueGets(RespConnection connection, int shard, string[] ids)
    {
        foreach (var id in ids) connection.Command("GET", RedisReplayKeys.Episode(Options.Run, shard, id));
    }

    /// <summary>The replies to <paramref name="count"/> queued GETs, in order; on failure the blobs read so far go back to the pool.</summary>
    private static async Task<IMemoryOwner<byte>?[]> ReadBlobsAsync(RespConnection connection, int count, CancellationToken cancellationToken)
    {
        var blobs = new IMemoryOwner<byte>?[count];
        try
        {
            for (int i = 0; i < blobs.Length; i++) blobs[i] = await connection.ReadBlobAsync(cancellationToken);
            return blobs;
        }
        catch
        {
            foreach (var blob in blobs) blob?.Dispose();
            throw;
        }
    }

    /// <summary>
    /// On a thread of its own a read blocks, so one shard after another would cost a round trip each: every shard's GETs
    /// go out first, then the replies are read in turn. A shard that fails is left out of this fetch (null, as an
    /// unreachable one), and a MOVED or a lost connection re-routes it for the next. On the pool, or for one shard,
    /// as the base does.
    /// </summary>
    protected override async Task<IMemoryOwner<byte>?[]?[]> FetchShardsAsync(IReadOnlyList<(int Shard, string[] Ids)> requests, CancellationToken cancellationToken)
    {
        if (requests.Count == 1 || Thread.CurrentThread.IsThreadPoolThread) return await base.FetchShardsAsync(requests, cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.OperationTimeout);
        var rented = new (RespConnectionPool Pool, RespConnection Connection)?[requests.Count];
        var read = new bool[requests.Count];
        var results = new IMemoryOwner<byte>?[]?[requests.Count];
        try
        {
            for (int r = 0; r < requests.Count; r++)
            {
                var (shard, ids) = requests[r];
                try
                {
                    var server = _shardServers[shard] ??= IdentifyServerAsync(shard).GetAwaiter().GetResult(); // stays on this thread
                    var pool = Pool(shard, server);
                    var connection = pool.RentBlocking(timeout.Token);
                    rented[r] = (pool, connection);
                    QueueGets(connection, shard, ids);
                    await connection.SendAsync(timeout.Token);
                }
                catch (Exception e) when (LeavesShardOut(shard, e, cancellationToken)) { }
            }
            for (int r = 0; r < requests.Count; r++)
            {
                if (rented[r] is not { } slot || slot.Connection.Broken) continue;
                var (shard, ids) = requests[r];
                using var span = slot.Connection.StartSpan(ReplayTelemetry.Spans.ReplayGet, commands: ids.Length);
                try
                {
                    results[r] = await ReadBlobsAsync(slot.Connection, ids.Length, timeout.Token);
                    read[r] = true;
                }
                catch (Exception e) when (LeavesShardOut(shard, e, cancellationToken)) { }
            }
        }
        finally
        {
            for (int r = 0; r < rented.Length; r++)
            {
                if (rented[r] is not { } slot) continue;
                if (!read[r]) slot.Connection.Dispose(); // its replies were not all read (an error or a cancellation ended the fetch), so it cannot be reused
                slot.Pool.Return(slot.Connection);
            }
        }
        return results;
    }

    /// <summary>Whether a fetch carries on without the shard after <paramref name="error"/> (re-routing it as the error says); the caller's own cancellation ends it.</summary>
    private bool LeavesShardOut(int shard, Exception error, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested) return false;
        Reroute(shard, error);
        return error is OperationCanceledException || RespConnectionPool.IsConnectionLoss(error) || IsUnavailable(error);
    }

    /// <summary>
    /// Where the shard's next operation goes after <paramref name="error"/>: where a MOVED points, or, after a lost
    /// connection (a failover may have moved the shard), wherever StackExchange.Redis then says.
    /// </summary>
    private void Reroute(int shard, Exception error)
    {
        if (error is RedisServerException && MovedTo(error.Message) is { } target) _shardServers[shard] = target;
        else if (error is not RedisServerException) _shardServers[shard] = null;
    }

    private RespConnectionPool Pool(int shard, EndPoint server) =>
        _pools.GetOrAdd(server, _ => new RespConnectionPool(server, _configuration(shard), _blobConnections));

    /// <summary>
    /// Runs a repeatable operation on a connection to the server that holds the shard's hash tag: the one StackExchange.Redis
    /// names for the tag's key (the first configured endpoint if it cannot say), then wherever MOVED points.
    /// </summary>
    private async Task<T> OnShardServerAsync<T>(int shard, Func<RespConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        for (int redirects = 0; ; redirects++)
        {
            var server = _shardServers[shard] ??= await IdentifyServerAsync(shard);
            var pool = Pool(shard, server);
            try
            {
                return await pool.RunAsync(operation, cancellationToken);
            }
            catch (RedisServerException e) when (redirects < MaxRedirects && MovedTo(e.Message) is not null)
            {
                Reroute(shard, e);
            }
            catch (RedisConnectionException e)
            {
                Reroute(shard, e);
                throw;
            }
        }
    }

    private const int MaxRedirects = 3;

    private async Task<EndPoint> IdentifyServerAsync(int shard)
    {
        try
        {
            if (await _database(shard).IdentifyEndpointAsync(RedisReplayKeys.Index(Options.Run, shard)) is { } endpoint) return endpoint;
        }
        catch (RedisException)
        {
            // Not connected yet: the configured endpoint below is as good a guess; a failure there is reported as such.
        }
        return _configuration(shard).EndPoints[0];
    }

    /// <summary>The server a "MOVED slot host:port" error names, or null for any other error.</summary>
    private static EndPoint? MovedTo(string error)
    {
        if (!error.StartsWith("MOVED ", StringComparison.Ordinal)) return null;
        string address = error[(error.LastIndexOf(' ') + 1)..];
        int colon = address.LastIndexOf(':');
        if (colon < 0 || !int.TryParse(address.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int port)) return null;
        string host = address[..colon].Trim('[', ']');
        return IPAddress.TryParse(host, out var ip) ? new IPEndPoint(ip, port) : new DnsEndPoint(host, port);
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
        // ASK: the shard's slot is migrating between masters; once it has moved, MOVED routes a retry.
        RedisServerException e => e.Message.StartsWith("CLUSTERDOWN", StringComparison.Ordinal) || e.Message.StartsWith("TRYAGAIN", StringComparison.Ordinal)
                                  || e.Message.StartsWith("ASK ", StringComparison.Ordinal) || e.Message.StartsWith("MOVED ", StringComparison.Ordinal)
                                  || e.Message.StartsWith("LOADING", StringComparison.Ordinal) || e.Message.StartsWith("MASTERDOWN", StringComparison.Ordinal),
        _ => false,
    };

    public override async ValueTask DisposeAsync()
    {
        foreach (var pool in _pools.Values) pool.Dispose();
        foreach (var connection in _connections) await connection.DisposeAsync();
    }
}
