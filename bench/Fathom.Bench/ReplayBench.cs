using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Fathom.Replay;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Silo.Replay;
using StackExchange.Redis;

namespace Fathom.Bench;

/// <summary>
/// The replay store under its real workload: how many updates one <see cref="ReplaySampler"/> can feed, how many bytes
/// the store's servers send per update against the bytes the batch holds, and how many distinct episodes a batch
/// holds, for PointMaze episodes (100 steps, S=4, A=2, goal [0,2)) and Ant-sized ones (1,000 steps, S=29, A=8, goal
/// [0,2)), at batch 256 and 1,024, on one redis-server, three redis-server shards, a three-master Redis Cluster and
/// embedded Garnet. Merges its rows into bench-results/replay.json (see <see cref="Merge"/>).
/// Args: [seconds per round = 3] [rounds = 3] [episodes in the store = 4096]. FATHOM_REPLAY_TARGETS=redis,garnet limits the targets.
/// </summary>
public sealed class ReplayBench : IBenchmark
{
    public string Name => "replay";
    public string Description => "updates/s one sampler feeds, bytes moved per update, episodes per batch (PointMaze and Ant; Redis, 3 shards, Cluster, Garnet)";

    private sealed record EpisodeKind(string Name, int Length, EpisodeLayout Layout);

    private static readonly EpisodeKind[] AllKinds =
    [
        new("point_maze", 100, new EpisodeLayout(stateDim: 4, actionDim: 2, goalStart: 0, goalDim: 2)),
        new("ant", 1000, new EpisodeLayout(stateDim: 29, actionDim: 8, goalStart: 0, goalDim: 2)),
    ];

    /// <summary>The episode kinds to measure: all, or those FATHOM_REPLAY_EPISODES=ant,point_maze names, in its order.</summary>
    private static readonly EpisodeKind[] Kinds = Environment.GetEnvironmentVariable("FATHOM_REPLAY_EPISODES") is { } names
        ? [.. names.Split(',', StringSplitOptions.TrimEntries).Select(n => AllKinds.Single(k => k.Name == n))]
        : AllKinds;

    private static readonly int[] Batches = [256, 1024];

    /// <summary>One measured round: batches one sampler delivered per second, and per batch the bytes it and the servers counted.</summary>
    private sealed record Round(double UpdatesPerS, double SourceBytesPerUpdate, double? ServerBytesPerUpdate, double DistinctEpisodes);

    /// <summary>A connected store and what it takes to read the output counters of its servers.</summary>
    private sealed record Target(string Name, Func<ReplayStoreOptions, Task<IReplayStore>> Connect, IReadOnlyList<string> ServerEndPoints, bool Cluster = false);

    public async Task<int> RunAsync(string[] args)
    {
        double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        int episodes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4096;
        var only = Environment.GetEnvironmentVariable("FATHOM_REPLAY_TARGETS")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var sampler = new SamplerSettings(1);
        Console.WriteLine($"one sampler ({sampler.ConcurrentFetches} batches in flight, prefetch depth {sampler.PrefetchDepth}); {episodes} episodes in the store; {rounds} rounds of {seconds} s");

        var rows = new List<object>();
        var clock = Stopwatch.StartNew();
        foreach (string name in new[] { "redis", "three_shards", "cluster", "garnet", "in_memory" })
        {
            // in_memory (the sampler's own ceiling, no server) only when asked for.
            if (only is null ? name == "in_memory" : !only.Contains(name)) continue;
            Console.WriteLine($"-- {name}");
            switch (name)
            {
                case "redis":
                {
                    using var redis = LocalRedisServer.Start();
                    rows.AddRange(await MeasureTargetAsync(new Target(name, async o => await RedisReplayStore.ConnectShardsAsync(o, [Options(redis.EndPoint)]), [redis.EndPoint]), seconds, rounds, episodes));
                    break;
                }
                case "three_shards":
                {
                    var shards = Enumerable.Range(0, 3).Select(_ => LocalRedisServer.Start()).ToList();
                    try
                    {
                        rows.AddRange(await MeasureTargetAsync(new Target(name, async o => await RedisReplayStore.ConnectShardsAsync(o, [.. shards.Select(s => Options(s.EndPoint))]),
                            [.. shards.Select(s => s.EndPoint)]), seconds, rounds, episodes));
                    }
                    finally
                    {
                        foreach (var shard in shards) shard.Dispose();
                    }
                    break;
                }
                case "cluster":
                {
                    using var cluster = LocalRedisCluster.Start(masters: 3);
                    var options = new ConfigurationOptions();
                    foreach (var endpoint in cluster.EndPoints) options.EndPoints.Add(endpoint);
                    rows.AddRange(await MeasureTargetAsync(new Target(name, async o => await RedisReplayStore.ConnectClusterAsync(o, options, shardCount: 6), [.. cluster.EndPoints], Cluster: true), seconds, rounds, episodes));
                    break;
                }
                case "in_memory":
                    rows.AddRange(await MeasureTargetAsync(new Target(name, o => Task.FromResult<IReplayStore>(new InMemoryReplayStore(o)), []), seconds, rounds, episodes));
                    break;
                case "garnet":
                {
                    using var garnet = EmbeddedReplayServer.Start(LocalRedisServer.FreePort(), memory: "2g");
                    rows.AddRange(await MeasureTargetAsync(new Target(name, async o => await RedisReplayStore.ConnectShardsAsync(o, [garnet.ConfigurationOptions]), [$"127.0.0.1:{garnet.Port}"]), seconds, rounds, episodes));
                    break;
                }
            }
        }
        Console.WriteLine($"matrix took {clock.Elapsed.TotalSeconds:F0} s");
        Merge(rows);
        return 0;
    }

    private static ConfigurationOptions Options(string endpoint) => new() { EndPoints = { endpoint } };

    private static async Task<List<object>> MeasureTargetAsync(Target target, double seconds, int rounds, int episodeCount)
    {
        var rows = new List<object>();
        var admin = new ConfigurationOptions { AllowAdmin = true };
        foreach (var endpoint in target.ServerEndPoints) admin.EndPoints.Add(endpoint);
        await using var adminConnection = target.ServerEndPoints.Count > 0 ? await ConnectionMultiplexer.ConnectAsync(admin) : null;
        foreach (var kind in Kinds)
        {
            var options = new ReplayStoreOptions($"bench-{target.Name}-{kind.Name}", kind.Layout, capacityTransitions: (long)episodeCount * kind.Length);
            await using var store = await target.Connect(options);
            await store.DeleteRunAsync();
            var fill = Stopwatch.StartNew();
            await FillAsync(store, kind, episodeCount);
            Console.WriteLine($"   {kind.Name}: {episodeCount} episodes of {EpisodeCodec.EncodedSize(SamplerRounds.RandomEpisode(kind.Layout, kind.Length, new Random(0), 0)):N0} B appended in {fill.Elapsed.TotalSeconds:F1} s");
            // Unmeasured: the JIT's final tiers and the servers' first touch of the store's pages, before any round.
            await using (var warmUp = new ReplaySampler(store, new SamplerSettings(Batches[0])))
                await SamplerRounds.DrainAsync(warmUp, TimeSpan.FromSeconds(3));
            // Diagnostic, not a target: plain pipelined GETs of one row record's size against the same server.
            double? reference = target.ServerEndPoints.Count > 0 ? RedisBenchmarkGets(target.ServerEndPoints[0], EpisodeCodec.RowBytes(kind.Layout), target.Cluster) : null;
            Console.WriteLine($"   {kind.Name}: redis-benchmark GET of {EpisodeCodec.RowBytes(kind.Layout)} B values: {reference?.ToString("N0", CultureInfo.InvariantCulture) ?? "n/a"} requests/s");
            foreach (int batch in Batches)
            {
                long batchBytes = (long)batch * (kind.Layout.StateDim + kind.Layout.ActionDim + kind.Layout.GoalDim) * sizeof(float);
                var measured = new List<Round>();
                for (int round = 0; round < rounds; round++)
                {
                    var r = await MeasureRoundAsync(store, adminConnection, batch, round, TimeSpan.FromSeconds(seconds));
                    measured.Add(r);
                    Console.WriteLine($"   {kind.Name} B={batch} round {round + 1}: {r.UpdatesPerS:F0} updates/s, {r.SourceBytesPerUpdate / batchBytes:F2}x the batch's bytes " +
                                      $"(servers' output {(r.ServerBytesPerUpdate / batchBytes)?.ToString("F2", CultureInfo.InvariantCulture) ?? "n/a"}x), {r.DistinctEpisodes:F0} episodes per batch");
                }
                if (store.RejectedCount != 0) throw new InvalidOperationException($"{store.RejectedCount} rows or blobs rejected during the benchmark.");
                rows.Add(new
                {
                    Target = target.Name,
                    Episode = kind.Name,
                    Batch = batch,
                    UpdatesPerSFed = BenchResults.Median(measured.Select(m => m.UpdatesPerS)),
                    UpdatesPerSRounds = measured.Select(m => Math.Round(m.UpdatesPerS, 1)).ToList(),
                    BytesMovedPerUpdateRatio = BenchResults.Median(measured.Select(m => m.SourceBytesPerUpdate / batchBytes)),
                    BytesMovedPerUpdateRatioRounds = measured.Select(m => Math.Round(m.SourceBytesPerUpdate / batchBytes, 3)).ToList(),
                    ServerOutputBytesPerUpdateRatio = measured.All(m => m.ServerBytesPerUpdate is not null) ? BenchResults.Median(measured.Select(m => m.ServerBytesPerUpdate!.Value / batchBytes)) : (double?)null,
                    ServerOutputBytesPerUpdateRatioRounds = measured.Select(m => m.ServerBytesPerUpdate is { } b ? Math.Round(b / batchBytes, 3) : (double?)null).ToList(),
                    RowReadsPerS = 2.0 * batch * BenchResults.Median(measured.Select(m => m.UpdatesPerS)),
                    RedisBenchmarkGetsPerS = reference,
                    RowReadsToRedisBenchmarkRatio = reference is { } gets ? 2.0 * batch * BenchResults.Median(measured.Select(m => m.UpdatesPerS)) / gets : (double?)null,
                    DistinctEpisodesPerBatch = BenchResults.Median(measured.Select(m => m.DistinctEpisodes)),
                    DistinctEpisodesPerBatchRounds = measured.Select(m => m.DistinctEpisodes).ToList(),
                    BatchBytes = batchBytes,
                    Shape = new { EpisodeLength = kind.Length, kind.Layout.StateDim, kind.Layout.ActionDim, kind.Layout.GoalDim, EpisodesInStore = episodeCount },
                    SecondsPerRound = seconds,
                    Rounds = rounds,
                    Cores = Environment.ProcessorCount,
                    LoadAverageAtEnd = BenchResults.LoadAverage(),
                    Method = "One ReplaySampler (default settings, seed = round) pulled batches as fast as it could for each round after a 1 s warm-up (and 4 s unmeasured per store first); medians over rounds, " +
                             "the rounds listed. bytes_moved_per_update_ratio = Minibatch.SourceBytes (the row reads' RESP2 replies with framing, counted from payload lengths) " +
                             "/ (B*(S+A+G)*4). server_output_bytes_per_update_ratio = delta of INFO stats total_net_output_bytes over the store's servers per delivered batch " +
                             "/ the same (includes index reads and the INFO replies; null where the server does not report it). row_reads_to_redis_benchmark_ratio (a diagnostic) = " +
                             "row reads per second (2 per row) / redis-benchmark GETs per second of one row record's size (-P 64 -c 2) against the target's first server.",
                });
            }
            await store.DeleteRunAsync();
        }
        return rows;
    }

    private static async Task<Round> MeasureRoundAsync(IReplayStore store, ConnectionMultiplexer? admin, int batch, int round, TimeSpan duration)
    {
        await using var sampler = new ReplaySampler(store, new SamplerSettings(batch) { Seed = round });
        long? before = null;
        var delivered = await SamplerRounds.DrainAsync(sampler, duration, onStart: async () => before = await OutputBytesAsync(admin));
        var after = await OutputBytesAsync(admin);
        return new Round(delivered.UpdatesPerS, delivered.SourceBytesPerBatch, after - before is { } server ? server / (double)delivered.Batches : null, delivered.DistinctEpisodesPerBatch);
    }

    /// <summary>
    /// GETs per second redis-benchmark reaches against <paramref name="endpoint"/> with values of <paramref name="valueBytes"/>
    /// (its SETs fill the keys first), pipelined 64 deep on 2 connections; null when redis-benchmark is missing or fails.
    /// </summary>
    private static double? RedisBenchmarkGets(string endpoint, int valueBytes, bool cluster)
    {
        int colon = endpoint.LastIndexOf(':');
        var arguments = new List<string> { "-h", endpoint[..colon], "-p", endpoint[(colon + 1)..], "-t", "set,get", "-d", valueBytes.ToString(CultureInfo.InvariantCulture),
            "-n", "200000", "-r", "100000", "-P", "64", "-c", "2", "--csv" };
        if (cluster) arguments.Add("--cluster");
        try
        {
            using var process = Process.Start(new ProcessStartInfo("redis-benchmark", arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            string output = process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(TimeSpan.FromMinutes(2)) || process.ExitCode != 0) return null;
            var get = output.Split('\n').FirstOrDefault(l => l.StartsWith("\"GET\"", StringComparison.Ordinal));
            return get is null ? null : double.Parse(get.Split(',')[1].Trim('"'), CultureInfo.InvariantCulture);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }

    /// <summary>Sum of INFO stats total_net_output_bytes over the servers, or null when one does not report it (Garnet leaves it at zero).</summary>
    private static async Task<long?> OutputBytesAsync(ConnectionMultiplexer? admin)
    {
        if (admin is null) return null;
        long total = 0;
        foreach (var server in admin.GetServers())
        {
            var field = (await server.InfoAsync("stats")).SelectMany(section => section).FirstOrDefault(f => f.Key == "total_net_output_bytes");
            if (field.Key is null || !long.TryParse(field.Value, NumberStyles.Integer, CultureInfo.InvariantCulture, out long bytes) || bytes == 0) return null;
            total += bytes;
        }
        return total;
    }

    /// <summary>Appends relabelled copies of 64 distinct episodes, 32 per call, spread over the shards as collectors spread them.</summary>
    private static async Task FillAsync(IReplayStore store, EpisodeKind kind, int count)
    {
        var random = new Random(1);
        var distinct = Enumerable.Range(0, 64).Select(n => SamplerRounds.RandomEpisode(kind.Layout, kind.Length, random, n)).ToArray();
        var copies = Enumerable.Range(0, count).Select(n => { var e = distinct[n % distinct.Length]; return new Episode(e.Layout, e.Length, e.States, e.Actions, "bench", 0, n); });
        await Task.WhenAll(copies.GroupBy(store.ShardOf).Select(async shard =>
        {
            foreach (var chunk in shard.Chunk(32)) await store.AppendAsync(shard.Key, chunk);
        }));
    }

    /// <summary>
    /// Writes bench-results/replay.json as a JSON array: the rows already there (learner_data_wait_fraction ones from
    /// another command among them) except those this run measured again (same target, episode and batch), then this
    /// run's rows.
    /// </summary>
    private static void Merge(List<object> rows)
    {
        var path = Path.Combine("bench-results", "replay.json");
        var fresh = rows.Select(row => JsonSerializer.SerializeToNode(row, BenchResults.Options)!.AsObject()).ToList();
        static string Cell(JsonObject o) => $"{o["target"]}|{o["episode"]}|{o["batch"]}";
        var measured = fresh.Select(Cell).ToHashSet();
        var merged = new JsonArray();
        if (File.Exists(path) && JsonNode.Parse(File.ReadAllText(path)) is JsonArray existing)
            foreach (var node in existing)
                if (node is JsonObject o && (o.ContainsKey("learner_data_wait_fraction") || !measured.Contains(Cell(o)))) merged.Add(o.DeepClone());
        foreach (var row in fresh) merged.Add(row);
        BenchResults.Write("replay", merged);
    }
}
