using System.Diagnostics;
using System.Globalization;
using Fathom.Grains.Replay;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Silo.Replay;
using StackExchange.Redis;

namespace Fathom.Bench;

/// <summary>
/// Replay store throughput (append and sample; transitions/s and MB/s of stored blobs) on embedded Garnet,
/// one redis-server, three redis-server shards and a three-master Redis Cluster, each next to redis-benchmark
/// SET/GET of the same value size against the same server, so the ratio says how much the store's own work costs.
/// Args: [episodes=160] [length=1000] [writers=8] [sample_seconds=4].
/// </summary>
public sealed class ReplayBench : IBenchmark
{
    private static readonly EpisodeLayout Layout = new(stateDim: 32, actionDim: 8, goalStart: 0, goalDim: 2);

    public string Name => "replay";
    public string Description => "replay store append/sample throughput vs redis-benchmark (Garnet, Redis, 3 shards, Cluster)";

    private sealed record Settings(int Episodes, int Length, int Writers, double SampleSeconds, int BatchSize, int EpisodesPerFetch, int Samplers);

    public sealed record TargetFigures(
        string Target,
        double AppendTransitionsPerS, double AppendMbPerS,
        double SampleTransitionsPerS, double SampleMbPerS,
        double RedisBenchmarkSetMbPerS, double RedisBenchmarkGetMbPerS,
        double AppendRatio, double SampleRatio);

    public async Task<int> RunAsync(string[] args)
    {
        var settings = new Settings(
            Episodes: Arg(args, 0, 160), Length: Arg(args, 1, 1000), Writers: Arg(args, 2, 8), SampleSeconds: Arg(args, 3, 4),
            BatchSize: 256, EpisodesPerFetch: 8, Samplers: 2);
        var episodes = Enumerable.Range(0, settings.Episodes).Select(n => MakeEpisode(n, settings.Length)).ToArray();
        int blobBytes = EpisodeCodec.EncodedSize(episodes[0]);
        Console.WriteLine($"episodes of {settings.Length} steps, S={Layout.StateDim} A={Layout.ActionDim}: {blobBytes / 1024.0:F0} KB per blob; " +
                          $"{settings.Writers} writers, {settings.Samplers} samplers x {settings.Writers / settings.Samplers} concurrent fetches (B={settings.BatchSize}, {settings.EpisodesPerFetch} episodes per fetch)");

        var results = new List<TargetFigures>();
        using (var garnet = EmbeddedReplayServer.Start(LocalRedisServer.FreePort(), memory: "2g"))
        {
            results.Add(await MeasureAsync("garnet", o => RedisReplayStore.ConnectShardsAsync(o, [garnet.ConfigurationOptions], EmbeddedReplayServer.ReaderConnections), $"127.0.0.1:{garnet.Port}", cluster: false, settings, episodes, blobBytes));
        }
        using (var redis = LocalRedisServer.Start())
        {
            results.Add(await MeasureAsync("redis", o => RedisReplayStore.ConnectShardsAsync(o, [Options(redis.EndPoint)]), redis.EndPoint, cluster: false, settings, episodes, blobBytes));
        }
        var shards = Enumerable.Range(0, 3).Select(_ => LocalRedisServer.Start()).ToList();
        try
        {
            results.Add(await MeasureAsync("three_shards", o => RedisReplayStore.ConnectShardsAsync(o, shards.Select(s => Options(s.EndPoint)).ToList()), shards[0].EndPoint, cluster: false, settings, episodes, blobBytes));
        }
        finally
        {
            foreach (var shard in shards) shard.Dispose();
        }
        using (var cluster = LocalRedisCluster.Start(masters: 3))
        {
            var options = new ConfigurationOptions();
            foreach (var endpoint in cluster.EndPoints) options.EndPoints.Add(endpoint);
            results.Add(await MeasureAsync("cluster", o => RedisReplayStore.ConnectClusterAsync(o, options, shardCount: 6), cluster.Nodes[0].EndPoint, cluster: true, settings, episodes, blobBytes));
        }

        Console.WriteLine();
        Console.WriteLine($"{"target",-13} {"append tr/s",12} {"MB/s",8} {"SET MB/s",9} {"ratio",6} | {"sample tr/s",12} {"MB/s",8} {"GET MB/s",9} {"ratio",6}");
        foreach (var r in results)
            Console.WriteLine($"{r.Target,-13} {r.AppendTransitionsPerS,12:F0} {r.AppendMbPerS,8:F1} {r.RedisBenchmarkSetMbPerS,9:F1} {r.AppendRatio,6:F2} | {r.SampleTransitionsPerS,12:F0} {r.SampleMbPerS,8:F1} {r.RedisBenchmarkGetMbPerS,9:F1} {r.SampleRatio,6:F2}");

        BenchResults.Write(Name, new
        {
            BlobBytes = blobBytes,
            EpisodeLength = settings.Length,
            StateDim = Layout.StateDim,
            ActionDim = Layout.ActionDim,
            settings.Episodes,
            settings.Writers,
            settings.Samplers,
            ConcurrentFetchesPerSampler = settings.Writers / settings.Samplers,
            LoadAverageAtEnd = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown",
            settings.BatchSize,
            settings.EpisodesPerFetch,
            RedisBenchmarkClients = settings.Writers,
            Cores = Environment.ProcessorCount,
            Note = "MB/s counts stored blob bytes (1 MB = 1e6 B); sample MB/s counts blobs read by the samplers. redis-benchmark runs SET/GET with the blob size against the same server " +
                   "(the first shard for three_shards, --cluster for the cluster). Ratio = store MB/s / redis-benchmark MB/s.",
            Targets = results,
        });
        return 0;
    }

    private static ConfigurationOptions Options(string endpoint) => new() { EndPoints = { endpoint } };

    private static async Task<TargetFigures> MeasureAsync(string target, Func<ReplayStoreOptions, Task<RedisReplayStore>> connect, string benchmarkEndpoint, bool cluster,
        Settings settings, Episode[] episodes, int blobBytes)
    {
        Console.WriteLine($"-- {target}");
        var options = new ReplayStoreOptions("bench-" + target, Layout, capacityTransitions: 4L * episodes.Length * settings.Length);
        await using var store = await connect(options);
        await store.DeleteRunAsync();

        // Warm-up (JIT tiers, connections, script cache), then the timed appends of every episode by concurrent writers.
        await Task.WhenAll(episodes.Take(32).Select(episode => store.AppendAsync(AsWarmUp(episode))));
        int next = -1;
        var appendClock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, settings.Writers).Select(_ => Task.Run(async () =>
        {
            for (int i = Interlocked.Increment(ref next); i < episodes.Length; i = Interlocked.Increment(ref next))
                await store.AppendAsync(episodes[i]);
        })));
        double appendSeconds = appendClock.Elapsed.TotalSeconds;
        double appendTransitions = (double)episodes.Length * settings.Length / appendSeconds;
        double appendMb = (double)episodes.Length * blobBytes / appendSeconds / 1e6;

        // Samplers (one per learner) pull batches as fast as they can for a fixed time, after a one-second warm-up.
        // Samplers x concurrent fetches = redis-benchmark's client count, so both keep as many requests in flight.
        var samplerSettings = new SamplerSettings(settings.BatchSize)
        {
            EpisodesPerFetch = settings.EpisodesPerFetch, BatchesPerFetch = 1, ConcurrentFetches = settings.Writers / settings.Samplers, PrefetchDepth = 8, Seed = 1,
        };
        long rows = 0, bytes = 0;
        var sampleClock = new Stopwatch();
        using var deadline = new CancellationTokenSource();
        var samplers = Enumerable.Range(0, settings.Samplers).Select(_ => new ReplaySampler(store, samplerSettings)).ToList();
        var warmUp = Stopwatch.StartNew();
        while (warmUp.Elapsed < TimeSpan.FromSeconds(1))
            foreach (var sampler in samplers) await sampler.NextAsync();
        sampleClock.Start();
        deadline.CancelAfter(TimeSpan.FromSeconds(settings.SampleSeconds));
        await Task.WhenAll(samplers.Select(sampler => Task.Run(async () =>
        {
            while (!deadline.IsCancellationRequested)
            {
                try
                {
                    var batch = await sampler.NextAsync(deadline.Token);
                    Interlocked.Add(ref rows, batch.Size);
                    Interlocked.Add(ref bytes, batch.SourceBytes);
                }
                catch (OperationCanceledException) { }
            }
        })));
        double sampleSeconds = sampleClock.Elapsed.TotalSeconds;
        foreach (var sampler in samplers) await sampler.DisposeAsync();
        if (store.RejectedCount != 0) throw new InvalidOperationException($"{store.RejectedCount} blobs rejected during the benchmark.");
        await store.DeleteRunAsync();

        var (set, get) = RedisBenchmark(benchmarkEndpoint, cluster, blobBytes, settings.Writers);
        double appendRatio = appendMb / set, sampleRatio = bytes / sampleSeconds / 1e6 / get;
        var figures = new TargetFigures(target, appendTransitions, appendMb, rows / sampleSeconds, bytes / sampleSeconds / 1e6, set, get, appendRatio, sampleRatio);
        Console.WriteLine($"   append {figures.AppendMbPerS:F1} MB/s (SET {set:F1}), sample {figures.SampleMbPerS:F1} MB/s (GET {get:F1})");
        return figures;
    }

    /// <summary>
    /// redis-benchmark SET and GET of <paramref name="valueBytes"/> values; MB/s of values for each. SET writes fresh keys
    /// (a keyspace of 10^8), as every append stores new data; GET reads 16 keys that the same run's SET pass filled.
    /// </summary>
    private static (double Set, double Get) RedisBenchmark(string endpoint, bool cluster, int valueBytes, int clients)
    {
        double set = RunRedisBenchmark(endpoint, cluster, valueBytes, clients, requests: 2000, "set", keyspace: 100_000_000)["SET"];
        double get = RunRedisBenchmark(endpoint, cluster, valueBytes, clients, requests: 20000, "set,get", keyspace: 16)["GET"];
        return (set, get);
    }

    private static Dictionary<string, double> RunRedisBenchmark(string endpoint, bool cluster, int valueBytes, int clients, int requests, string tests, int keyspace)
    {
        var start = new ProcessStartInfo("redis-benchmark") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        string[] hostPort = endpoint.Split(':');
        string[] args = ["-h", hostPort[0], "-p", hostPort[1], "-t", tests, "-d", valueBytes.ToString(), "-n", requests.ToString(), "-c", clients.ToString(), "-r", keyspace.ToString(), "--csv"];
        foreach (var a in args) start.ArgumentList.Add(a);
        if (cluster) start.ArgumentList.Add("--cluster");
        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-benchmark did not start (apt-get install redis-tools).");
        var stderr = process.StandardError.ReadToEndAsync();
        string output = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"redis-benchmark exited with {process.ExitCode}: {stderr.Result}");
        // CSV lines: "TEST","requests per second",...
        return output.Split('\n')
            .Select(line => line.Split(','))
            .Where(cells => cells.Length > 1 && double.TryParse(cells[1].Trim('"'), NumberStyles.Float, CultureInfo.InvariantCulture, out _))
            .ToDictionary(cells => cells[0].Trim('"'), cells => double.Parse(cells[1].Trim('"'), CultureInfo.InvariantCulture) * valueBytes / 1e6);
    }

    private static Episode MakeEpisode(int number, int length)
    {
        var random = new Random(number);
        var states = new float[(length + 1) * Layout.StateDim];
        var actions = new float[length * Layout.ActionDim];
        for (int i = 0; i < states.Length; i++) states[i] = random.NextSingle();
        for (int i = 0; i < actions.Length; i++) actions[i] = random.NextSingle() * 2 - 1;
        return new Episode(Layout, length, states, actions, "bench", policyVersion: 0, sequence: number);
    }

    private static Episode AsWarmUp(Episode e) => new(e.Layout, e.Length, e.States, e.Actions, "warmup", e.PolicyVersion, e.Sequence);

    private static int Arg(string[] args, int position, int fallback) => args.Length > position ? int.Parse(args[position], CultureInfo.InvariantCulture) : fallback;
}
