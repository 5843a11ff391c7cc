using System.Diagnostics;
using System.Globalization;
using Fathom.Replay;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Silo.Replay;
using StackExchange.Redis;

namespace Fathom.Bench;

/// <summary>
/// Replay store throughput (append and sample; transitions/s and MB/s of stored blobs) on embedded Garnet,
/// one redis-server, three redis-server shards and a three-master Redis Cluster, each next to redis-benchmark
/// SET/GET of the same value size against the same server, so the ratio says how much the store's own work costs.
/// Args: [episodes=160] [length=1000] [writers=8] [append_seconds=4, per round] [sample_seconds=4, per round] [episodes_per_append=16].
/// </summary>
public sealed class ReplayBench : IBenchmark
{
    private static readonly EpisodeLayout Layout = new(stateDim: 32, actionDim: 8, goalStart: 0, goalDim: 2);

    public string Name => "replay";
    public string Description => "replay store append/sample throughput vs redis-benchmark (Garnet, Redis, 3 shards, Cluster)";

    private sealed record Settings(int Episodes, int Length, int Writers, int EpisodesPerAppend, double AppendSeconds, double SampleSeconds, int BatchSize, int Samplers)
    {
        /// <summary>Each sampler runs one fetch at a time.</summary>
        public const int FetchesPerSampler = 1;

        /// <summary>A fetch reads its episodes by pipelined GETs, so samplers x episodes per fetch GETs are in flight: as
        /// many as redis-benchmark's clients (one request each).</summary>
        public int EpisodesPerFetch => Writers / Samplers;
    }

    /// <summary>
    /// One target's figures. Appends come in two regimes, each against its own SET reference: filling an empty store
    /// (every append and every SET allocates fresh memory) and a full store (every append evicts the oldest episode,
    /// every SET replaces a value, so memory is freed and reused). Full-store and sample figures are the median round's;
    /// the server cost ratios are the median over rounds of <see cref="Round.ServerCostRatio"/>.
    /// </summary>
    public sealed record TargetFigures(
        string Target,
        double FillTransitionsPerS, double FillMbPerS, double RedisBenchmarkSetFreshMbPerS, double FillRatio,
        double FullTransitionsPerS, double FullMbPerS, double RedisBenchmarkSetReplaceMbPerS, double FullRatio, IReadOnlyList<Round> FullRounds,
        double SampleTransitionsPerS, double SampleMbPerS, double RedisBenchmarkGetMbPerS, double SampleRatio, IReadOnlyList<Round> SampleRounds,
        double? FullServerCostRatio, double? SampleServerCostRatio);

    /// <summary>
    /// One timed round of the store (full-store appends or sampling) and its redis-benchmark reference taken right after it.
    /// The server figures count MB per CPU second of the target's redis-servers (INFO cpu, user + sys) in each phase, so
    /// <see cref="ServerCostRatio"/> (store ÷ reference; 1 = the same) compares what a byte costs the server through the
    /// store and through plain SET or GET. The throughput ratio counts the clients' work as well, since on this 2-core
    /// machine they share the cores with the server. Null on Garnet, which runs in this process.
    /// </summary>
    public sealed record Round(double TransitionsPerS, double MbPerS, double RedisBenchmarkMbPerS, double? ServerMbPerCpuSecond, double? RedisBenchmarkServerMbPerCpuSecond)
    {
        public double Ratio => MbPerS / RedisBenchmarkMbPerS;

        public double? ServerCostRatio => ServerMbPerCpuSecond / RedisBenchmarkServerMbPerCpuSecond;

        public override string ToString() => $"{MbPerS:F1} MB/s, reference {RedisBenchmarkMbPerS:F1} MB/s, ratio {Ratio:F2}" +
            (ServerCostRatio is { } cost ? $"; server MB per CPU second {ServerMbPerCpuSecond:F0}, reference {RedisBenchmarkServerMbPerCpuSecond:F0}, ratio {cost:F2}" : "");
    }

    public async Task<int> RunAsync(string[] args)
    {
        var settings = new Settings(
            Episodes: Arg(args, 0, 160), Length: Arg(args, 1, 1000), Writers: Arg(args, 2, 8), EpisodesPerAppend: Arg(args, 5, 16), AppendSeconds: Arg(args, 3, 4), SampleSeconds: Arg(args, 4, 4),
            BatchSize: 256, Samplers: 2);
        var episodes = Enumerable.Range(0, settings.Episodes).Select(n => MakeEpisode(n, settings.Length)).ToArray();
        int blobBytes = EpisodeCodec.EncodedSize(episodes[0]);
        Console.WriteLine($"episodes of {settings.Length} steps, S={Layout.StateDim} A={Layout.ActionDim}: {blobBytes / 1024.0:F0} KB per blob; " +
                          $"{settings.Writers} writers appending {settings.EpisodesPerAppend} episodes per call, {settings.Samplers} samplers x {Settings.FetchesPerSampler} fetch of {settings.EpisodesPerFetch} episodes (B={settings.BatchSize})");

        // FATHOM_REPLAY_TARGETS=garnet,cluster measures only those (all four by default).
        var only = Environment.GetEnvironmentVariable("FATHOM_REPLAY_TARGETS")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var targets = new (string Name, Func<Task<TargetFigures>> Measure)[]
        {
            ("garnet", async () =>
            {
                using var garnet = EmbeddedReplayServer.Start(LocalRedisServer.FreePort(), memory: "2g");
                return await MeasureAsync("garnet", o => RedisReplayStore.ConnectShardsAsync(o, [garnet.ConfigurationOptions]), $"127.0.0.1:{garnet.Port}", cluster: false, inProcess: true, settings, episodes, blobBytes);
            }),
            ("redis", async () =>
            {
                using var redis = LocalRedisServer.Start();
                return await MeasureAsync("redis", o => RedisReplayStore.ConnectShardsAsync(o, [Options(redis.EndPoint)]), redis.EndPoint, cluster: false, inProcess: false, settings, episodes, blobBytes);
            }),
            ("three_shards", async () =>
            {
                var shards = Enumerable.Range(0, 3).Select(_ => LocalRedisServer.Start()).ToList();
                try
                {
                    return await MeasureAsync("three_shards", o => RedisReplayStore.ConnectShardsAsync(o, shards.Select(s => Options(s.EndPoint)).ToList()), shards[0].EndPoint, cluster: false, inProcess: false, settings, episodes, blobBytes);
                }
                finally
                {
                    foreach (var shard in shards) shard.Dispose();
                }
            }),
            ("cluster", async () =>
            {
                using var cluster = LocalRedisCluster.Start(masters: 3);
                var options = new ConfigurationOptions();
                foreach (var endpoint in cluster.EndPoints) options.EndPoints.Add(endpoint);
                return await MeasureAsync("cluster", o => RedisReplayStore.ConnectClusterAsync(o, options, shardCount: 6), cluster.Nodes[0].EndPoint, cluster: true, inProcess: false, settings, episodes, blobBytes);
            }),
        };
        var results = new List<TargetFigures>();
        foreach (var (name, measure) in targets)
            if (only is null || only.Contains(name)) results.Add(await measure());

        Console.WriteLine();
        Console.WriteLine($"{"target",-13} {"fill MB/s",10} {"SET new",8} {"ratio",6} | {"full MB/s",10} {"SET repl",9} {"ratio",6} {"server",7} | {"sample tr/s",12} {"MB/s",8} {"GET MB/s",9} {"ratio",6} {"server",7}");
        foreach (var r in results)
            Console.WriteLine($"{r.Target,-13} {r.FillMbPerS,10:F1} {r.RedisBenchmarkSetFreshMbPerS,8:F1} {r.FillRatio,6:F2} | {r.FullMbPerS,10:F1} {r.RedisBenchmarkSetReplaceMbPerS,9:F1} {r.FullRatio,6:F2} {r.FullServerCostRatio,7:F2} | " +
                              $"{r.SampleTransitionsPerS,12:F0} {r.SampleMbPerS,8:F1} {r.RedisBenchmarkGetMbPerS,9:F1} {r.SampleRatio,6:F2} {r.SampleServerCostRatio,7:F2}");
        Console.WriteLine("ratio: store MB/s ÷ redis-benchmark MB/s; server: store MB per server CPU second ÷ redis-benchmark's (redis-server targets only)");

        BenchResults.Write(Name, new
        {
            BlobBytes = blobBytes,
            EpisodeLength = settings.Length,
            StateDim = Layout.StateDim,
            ActionDim = Layout.ActionDim,
            settings.Episodes,
            settings.AppendSeconds,
            SampleSecondsPerRound = settings.SampleSeconds,
            Rounds,
            settings.Writers,
            settings.Samplers,
            settings.EpisodesPerAppend,
            ConcurrentFetchesPerSampler = Settings.FetchesPerSampler,
            LoadAverageAtEnd = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "unknown",
            settings.BatchSize,
            settings.EpisodesPerFetch,
            RedisBenchmarkClients = settings.Writers,
            Cores = Environment.ProcessorCount,
            Note = "MB/s counts stored blob bytes (1 MB = 1e6 B); sample MB/s counts blobs read by the samplers. redis-benchmark runs SET/GET with the blob size against the same server " +
                   "(the first shard for three_shards, --cluster for the cluster). fill: appends into an empty store vs SET of new keys; full: appends into a full store " +
                   "(each evicts the oldest) vs SET replacing values over a keyspace of the capacity for about as long as a round (16 passes per second of it), warmed up by one unmeasured run; full and sample: rounds, each followed " +
                   "at once by its own reference (SET replacing, GET), the median round reported. Ratio = store MB/s / redis-benchmark MB/s. " +
                   "Server cost ratio (redis-server targets) = store MB per CPU second of the servers (INFO cpu) / the reference's, per round; its median over rounds " +
                   "is FullServerCostRatio / SampleServerCostRatio. The clients share the 2 cores with the servers, so the MB/s ratio also counts the client's work.",
            Targets = results,
        });
        return 0;
    }

    /// <summary>
    /// A full blocking collection before each measured phase: Garnet runs in this process, so garbage left by one phase
    /// (a deleted run's blobs) would otherwise be collected during the next, ours or redis-benchmark's, at random.
    /// </summary>
    private static void Settle()
    {
        System.Runtime.GCSettings.LargeObjectHeapCompactionMode = System.Runtime.GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(2, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
    }

    /// <summary>The store holds eight times the prepared episodes (relabelled copies make up the rest): long enough a fill to measure.</summary>
    private static int CapacityEpisodes(Settings settings) => 8 * settings.Episodes;

    private static ConfigurationOptions Options(string endpoint) => new() { EndPoints = { endpoint } };

    private static async Task<TargetFigures> MeasureAsync(string target, Func<ReplayStoreOptions, Task<RedisReplayStore>> connect, string benchmarkEndpoint, bool cluster, bool inProcess,
        Settings settings, Episode[] episodes, int blobBytes)
    {
        Console.WriteLine($"-- {target}");
        int capacityEpisodes = CapacityEpisodes(settings);
        var options = new ReplayStoreOptions("bench-" + target, Layout, capacityTransitions: (long)capacityEpisodes * settings.Length);
        await using var store = await connect(options);
        await using var admin = await ConnectAdminAsync(store, inProcess);
        await store.DeleteRunAsync();

        // Warm-up: fill the store and delete it, again and again for WarmUp (connections, script cache, the server's
        // memory, which redis-benchmark's later runs find warm too, and JIT tiers: Garnet in this process compiled
        // for seconds, up to 29% of the CPU, whenever a phase took new paths). Fill: concurrent writers append batches
        // of relabelled copies into the empty store until its shards hold as many whole batches as fit, so nothing is evicted.
        long fillBatches = store.Options.ShardCapacity(store.ShardCount) / settings.Length / settings.EpisodesPerAppend * store.ShardCount;
        for (var warming = Stopwatch.StartNew(); warming.Elapsed < WarmUp;)
        {
            await AppendForAsync(store, episodes, "warmup", settings, until: b => b < fillBatches);
            await store.DeleteRunAsync();
        }
        Settle();
        var fillClock = Stopwatch.StartNew();
        long filled = await AppendForAsync(store, episodes, "fill", settings, until: b => b < fillBatches);
        double fillSeconds = fillClock.Elapsed.TotalSeconds;
        double fillMb = filled * blobBytes / fillSeconds / 1e6;

        // Full: writers append relabelled copies (new ids, so each stores) for WarmUp, which fills the store to capacity
        // and warms the eviction paths, then in timed rounds against the full store, each append evicting the oldest
        // as a long run's do. Like sampling below, each round is paired with its own reference (SET replacing).
        var untilWarm = Stopwatch.StartNew();
        await AppendForAsync(store, episodes, "warm", settings, until: _ => untilWarm.Elapsed < WarmUp);
        // The reference warms up too: its first run on a server touches fresh memory for its keyspace (52,841 page
        // faults on redis-server, 205 MB) and read 1.2-1.6 GB/s, later runs 2.1-4.2 with next to no faults. A store
        // under churn reuses the memory of the blobs it evicts, so steady state is compared with steady state.
        RedisBenchmarkSetReplacing(benchmarkEndpoint, cluster, blobBytes, settings);
        var fullRounds = new List<Round>();
        for (int round = 0; round < Rounds; round++)
        {
            Settle();
            var cpu = await ServerCpuSecondsAsync(admin);
            var fullClock = Stopwatch.StartNew();
            long full = await AppendForAsync(store, episodes, $"full{round}", settings, until: _ => fullClock.Elapsed < TimeSpan.FromSeconds(settings.AppendSeconds));
            double fullSeconds = fullClock.Elapsed.TotalSeconds, fullMb = full * blobBytes / fullSeconds / 1e6;
            var afterStore = await ServerCpuSecondsAsync(admin);
            double setReplace = RedisBenchmarkSetReplacing(benchmarkEndpoint, cluster, blobBytes, settings);
            var storeCpu = afterStore - cpu;
            var referenceCpu = await ServerCpuSecondsAsync(admin) - afterStore;
            var fullRound = new Round(full * settings.Length / fullSeconds, fullMb, setReplace,
                full * blobBytes / 1e6 / storeCpu, SetReplacingRequests(settings) * (double)blobBytes / 1e6 / referenceCpu);
            fullRounds.Add(fullRound);
            Console.WriteLine($"   full round {round + 1}: {fullRound}");
        }

        // Sampling runs in rounds, each right next to its own redis-benchmark GET: loopback throughput on this VM drifts
        // by up to 1.5x between minutes for both clients alike, so a ratio of two figures taken minutes apart mostly
        // measures the drift. Each round's ratio pairs figures taken seconds apart; the median round is reported.
        // The 16 keys the GET reference reads, written once (redis-benchmark names them the same in every run, also
        // with --cluster: its GET-only runs counted no keyspace miss).
        RunRedisBenchmark(benchmarkEndpoint, cluster, blobBytes, settings.Writers, requests: 1_000, "set", keyspace: GetKeys);
        var sampleRounds = new List<Round>();
        for (int round = 0; round < Rounds; round++)
        {
            var warmUp = round == 0 ? WarmUp : TimeSpan.FromSeconds(1);
            var (sampleRows, sampleMb, serverMbPerCpuSecond) = await SampleForAsync(store, settings, warmUp, () => ServerCpuSecondsAsync(admin));
            var cpu = await ServerCpuSecondsAsync(admin);
            double roundGet = RunRedisBenchmark(benchmarkEndpoint, cluster, blobBytes, settings.Writers, requests: GetRequests, "get", keyspace: GetKeys)["GET"];
            var referenceCpu = await ServerCpuSecondsAsync(admin) - cpu;
            var sampleRound = new Round(sampleRows, sampleMb, roundGet, serverMbPerCpuSecond, GetRequests * (double)blobBytes / 1e6 / referenceCpu);
            sampleRounds.Add(sampleRound);
            Console.WriteLine($"   sample round {round + 1} ({warmUp.TotalSeconds:F0} s warm-up): {sampleRound}");
        }
        if (store.RejectedCount != 0) throw new InvalidOperationException($"{store.RejectedCount} blobs rejected during the benchmark.");
        await store.DeleteRunAsync();
        // Last, once the store is gone: 1.6 GB of new keys would push Garnet's oldest log pages, the store's among them, out of its memory.
        double setFresh = RedisBenchmarkSetFresh(benchmarkEndpoint, cluster, blobBytes, settings);

        var fullMedian = Median(fullRounds);
        var sampleMedian = Median(sampleRounds);
        var figures = new TargetFigures(target,
            filled * settings.Length / fillSeconds, fillMb, setFresh, fillMb / setFresh,
            fullMedian.TransitionsPerS, fullMedian.MbPerS, fullMedian.RedisBenchmarkMbPerS, fullMedian.Ratio, fullRounds,
            sampleMedian.TransitionsPerS, sampleMedian.MbPerS, sampleMedian.RedisBenchmarkMbPerS, sampleMedian.Ratio, sampleRounds,
            MedianServerCost(fullRounds), MedianServerCost(sampleRounds));
        Console.WriteLine($"   fill {fillMb:F1} MB/s (SET fresh {setFresh:F1}), full (median round) {fullMedian.MbPerS:F1} MB/s (SET replacing {fullMedian.RedisBenchmarkMbPerS:F1}), " +
                          $"sample (median round) {sampleMedian.MbPerS:F1} MB/s (GET {sampleMedian.RedisBenchmarkMbPerS:F1})");
        return figures;
    }

    /// <summary>Unmeasured work before each regime's first timed phase, long enough for the JIT to settle.</summary>
    private static readonly TimeSpan WarmUp = TimeSpan.FromSeconds(6);

    /// <summary>
    /// Timed rounds per target of full-store appends and of sampling, each paired with its own reference. Five, so that
    /// no single round decides the median: the rounds of one run on one redis-server read 0.55-1.00 of the reference.
    /// </summary>
    private const int Rounds = 5;

    private static Round Median(List<Round> rounds) => rounds.OrderBy(r => r.Ratio).ElementAt(rounds.Count / 2);

    private static double? MedianServerCost(List<Round> rounds) => rounds.OrderBy(r => r.ServerCostRatio).ElementAt(rounds.Count / 2).ServerCostRatio;

    /// <summary>
    /// redis-benchmark runs are sized to last seconds: with --cluster it times a run in steps of 250 ms (20,000 GETs
    /// read 1.250 or 1.500 s, nothing between), so a run of about one second was off by up to a quarter.
    /// GET: 64,000 replies of 160 KB, ~4 s at 2.5 GB/s.
    /// </summary>
    private const int GetRequests = 64_000;

    /// <summary>Keys the GET reference reads (a GET over 1,280 keys measured the same on one redis-server).</summary>
    private const int GetKeys = 16;

    /// <summary>
    /// Samplers (one per learner) pull batches as fast as they can for a fixed time after an unmeasured warm-up that
    /// fills their prefetch pipelines (the first one also lets the JIT reach its final tier; Garnet runs in this
    /// process too): steady state is what a learner sees. As many GETs are in flight as redis-benchmark's (see
    /// <see cref="Settings.EpisodesPerFetch"/>): on redis-server, 64 GETs of 160 KB in flight read 0.62-0.79 of the
    /// reference, 8 read 0.89-1.01, so deeper pipelines measure the server's output buffers, not the store. Fresh
    /// samplers each round, so none starts with batches that were prefetched while redis-benchmark ran.
    /// Returns transitions/s and MB/s of blobs read, and MB read per CPU second of the servers (<paramref name="serverCpu"/>).
    /// </summary>
    private static async Task<(double TransitionsPerS, double MbPerS, double? ServerMbPerCpuSecond)> SampleForAsync(RedisReplayStore store, Settings settings, TimeSpan warmUp, Func<Task<double?>> serverCpu)
    {
        var samplerSettings = new SamplerSettings(settings.BatchSize)
        {
            EpisodesPerBatch = settings.EpisodesPerFetch, EpisodesPerFetch = settings.EpisodesPerFetch, BatchesPerFetch = 1, ConcurrentFetches = Settings.FetchesPerSampler, PrefetchDepth = 8, Seed = 1,
        };
        var samplers = Enumerable.Range(0, settings.Samplers).Select(_ => new ReplaySampler(store, samplerSettings)).ToList();
        try
        {
            var warming = Stopwatch.StartNew();
            while (warming.Elapsed < warmUp)
                foreach (var sampler in samplers) await sampler.NextAsync();
            Settle();
            long rows = 0, bytes = 0;
            var cpu = await serverCpu();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(settings.SampleSeconds));
            var clock = Stopwatch.StartNew();
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
            double seconds = clock.Elapsed.TotalSeconds;
            return (rows / seconds, bytes / seconds / 1e6, bytes / 1e6 / (await serverCpu() - cpu));
        }
        finally
        {
            foreach (var sampler in samplers) await sampler.DisposeAsync();
        }
    }

    /// <summary>
    /// redis-benchmark SET of new keys (a keyspace of 10^8), as appends that fill a store do: eight times the capacity
    /// (1.6 GB), a few seconds (see <see cref="GetRequests"/>). MB/s of values.
    /// </summary>
    private static double RedisBenchmarkSetFresh(string endpoint, bool cluster, int valueBytes, Settings settings)
        => RunRedisBenchmark(endpoint, cluster, valueBytes, settings.Writers, requests: 8 * CapacityEpisodes(settings), "set", keyspace: 100_000_000)["SET"];

    /// <summary>
    /// redis-benchmark SET over a keyspace as large as the store's capacity in episodes, so that after the first pass
    /// each SET frees a value and stores one, as an append to a full store does (evicting the oldest). Sixteen passes
    /// (3.3 GB) per second of a store round, so that the reference lasts about as long as the round it is paired with:
    /// runs of one second swung more (on one idle redis-server, 3,176-4,158 MB/s against 3,100-4,208 for four seconds,
    /// means 3,899 and 3,578), and next to a round of four seconds they read 1,974-4,550 MB/s.
    /// </summary>
    private static double RedisBenchmarkSetReplacing(string endpoint, bool cluster, int valueBytes, Settings settings)
        => RunRedisBenchmark(endpoint, cluster, valueBytes, settings.Writers, requests: SetReplacingRequests(settings), "set", keyspace: CapacityEpisodes(settings))["SET"];

    private static int SetReplacingRequests(Settings settings) => (int)Math.Ceiling(16 * Math.Max(1, settings.AppendSeconds)) * CapacityEpisodes(settings);

    /// <summary>
    /// A connection in admin mode (INFO needs it) to every server of the store, for <see cref="ServerCpuSecondsAsync"/>;
    /// null on Garnet, which runs in this process, so its CPU cannot be told from the clients'.
    /// </summary>
    private static async Task<ConnectionMultiplexer?> ConnectAdminAsync(RedisReplayStore store, bool inProcess)
    {
        if (inProcess) return null;
        var options = new ConfigurationOptions { AllowAdmin = true };
        foreach (var endpoint in store.Connections.SelectMany(c => c.GetEndPoints()).DistinctBy(e => e.ToString())) options.EndPoints.Add(endpoint);
        return await ConnectionMultiplexer.ConnectAsync(options);
    }

    /// <summary>
    /// CPU seconds (user + sys, INFO cpu) the store's redis-servers have used so far, null on Garnet. The reference's runs
    /// hit the same servers (for three shards only the first, the other two idle meanwhile).
    /// </summary>
    private static async Task<double?> ServerCpuSecondsAsync(ConnectionMultiplexer? admin)
    {
        if (admin is null) return null;
        double seconds = 0;
        foreach (var server in admin.GetServers())
            foreach (var field in (await server.InfoAsync("cpu")).SelectMany(section => section))
                if (field.Key is "used_cpu_user" or "used_cpu_sys") seconds += double.Parse(field.Value, CultureInfo.InvariantCulture);
        return seconds;
    }

    private static Dictionary<string, double> RunRedisBenchmark(string endpoint, bool cluster, int valueBytes, int clients, int requests, string tests, int keyspace)
    {
        Settle();
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

    /// <summary>
    /// Concurrent writers append batches of relabelled copies of <paramref name="episodes"/> (the n-th episode as sequence
    /// n), batch b to shard b mod the shard count, as collectors append what their environments finished together, while
    /// <paramref name="until"/> holds for b; returns how many episodes. Each writer has a thread of its own and blocks
    /// on its append, as a collector's worker thread does.
    /// </summary>
    private static async Task<long> AppendForAsync(RedisReplayStore store, Episode[] episodes, string producer, Settings settings, Func<long, bool> until)
    {
        long next = -1, appended = 0;
        int batch = settings.EpisodesPerAppend;
        await OwnThreads.Run(settings.Writers, _ =>
        {
            for (long b = Interlocked.Increment(ref next); until(b); b = Interlocked.Increment(ref next))
            {
                var copies = Enumerable.Range(0, batch).Select(i => b * batch + i).Select(n => Relabel(episodes[n % episodes.Length], producer, n)).ToArray();
                store.AppendAsync((int)(b % store.ShardCount), copies).GetAwaiter().GetResult();
                Interlocked.Add(ref appended, batch);
            }
        });
        return appended;
    }

    private static Episode Relabel(Episode e, string producer, long sequence) => new(e.Layout, e.Length, e.States, e.Actions, producer, e.PolicyVersion, sequence);

    private static int Arg(string[] args, int position, int fallback) => args.Length > position ? int.Parse(args[position], CultureInfo.InvariantCulture) : fallback;
}
