using System.Diagnostics;
using System.Globalization;
using Fathom.Replay;
using Fathom.Grains.Tests.Infrastructure;
using StackExchange.Redis;

namespace Fathom.Bench;

/// <summary>
/// The EpisodesPerBatch ablation on a PointMaze-shaped store (episodes of 100 steps, state 2, action 2, goal 2) on one
/// local redis-server at batch 256: updates per second one sampler can feed, bytes read per batch over the bytes the
/// batch holds, and distinct episodes per batch, for the paper's draw (one row per episode) and for 8 and 32 rows per
/// episode.
/// Args: [seconds per round = 3] [rounds = 3] [episodes in the store = 4096].
/// </summary>
public sealed class SamplerBench : IBenchmark
{
    private static readonly EpisodeLayout Layout = new(stateDim: 2, actionDim: 2, goalStart: 0, goalDim: 2);
    private const int Batch = 256, Length = 100;

    public string Name => "sampler";
    public string Description => "one sampler feeding batches of 256 from PointMaze episodes on one redis-server (rows per episode ablation)";

    public sealed record Variant(string Name, int EpisodesPerBatch);

    public sealed record Figures(string Variant, int EpisodesPerBatch,
        double UpdatesPerSFed, double BytesMovedPerUpdateRatio, double DistinctEpisodesPerBatch, IReadOnlyList<double> RoundsUpdatesPerS);

    private static readonly Variant[] Variants =
    [
        new("one row per episode (default)", Batch),
        new("8 rows per episode", Batch / 8),
        new("32 rows per episode", Batch / 32),
    ];

    public async Task<int> RunAsync(string[] args)
    {
        double seconds = args.Length > 0 ? double.Parse(args[0], CultureInfo.InvariantCulture) : 3;
        int rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        int episodes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 4096;

        using var redis = LocalRedisServer.Start();
        var options = new ReplayStoreOptions("bench-sampler", Layout, capacityTransitions: 4L * episodes * Length);
        await using var store = await RedisReplayStore.ConnectShardsAsync(options, [new ConfigurationOptions { EndPoints = { redis.EndPoint } }]);
        await store.DeleteRunAsync();
        var random = new Random(1);
        for (int first = 0; first < episodes; first += 64)
            await store.AppendAsync(0, Enumerable.Range(first, Math.Min(64, episodes - first)).Select(n => SamplerRounds.RandomEpisode(Layout, Length, random, n)).ToList());
        int blobBytes = EpisodeCodec.EncodedSize(SamplerRounds.RandomEpisode(Layout, Length, random, 0));
        long batchBytes = (long)Batch * (Layout.StateDim + Layout.ActionDim + Layout.GoalDim) * sizeof(float);
        Console.WriteLine($"{episodes} episodes of {Length} steps ({blobBytes} B per blob) on one redis-server; a batch of {Batch} holds {batchBytes} B");

        var perRound = Variants.ToDictionary(v => v, _ => new List<(double UpdatesPerS, double BytesRatio, double Distinct)>());
        for (int round = 0; round < rounds; round++)
            foreach (var variant in Variants) // interleaved, so that every variant sees the same machine load
            {
                var figures = await MeasureAsync(store, variant, TimeSpan.FromSeconds(seconds), round);
                perRound[variant].Add((figures.UpdatesPerS, figures.BytesMoved / (double)batchBytes, figures.Distinct));
                Console.WriteLine($"   round {round + 1} {variant.Name}: {figures.UpdatesPerS:F0} updates/s, {figures.BytesMoved / (double)batchBytes:F1}x the batch's bytes, {figures.Distinct:F1} episodes per batch");
            }

        var results = Variants.Select(v =>
        {
            var r = perRound[v];
            return new Figures(v.Name, v.EpisodesPerBatch,
                BenchResults.Median(r.Select(x => x.UpdatesPerS)), BenchResults.Median(r.Select(x => x.BytesRatio)), BenchResults.Median(r.Select(x => x.Distinct)), r.Select(x => x.UpdatesPerS).ToList());
        }).ToList();
        Console.WriteLine();
        Console.WriteLine($"{"variant",-44} {"updates/s",10} {"bytes ratio",12} {"episodes/batch",15}");
        foreach (var f in results) Console.WriteLine($"{f.Variant,-44} {f.UpdatesPerSFed,10:F0} {f.BytesMovedPerUpdateRatio,12:F1} {f.DistinctEpisodesPerBatch,15:F1}");
        BenchResults.Write(Name, new
        {
            Target = "redis",
            Episode = "point_maze",
            Batch,
            EpisodesInStore = episodes,
            BlobBytes = blobBytes,
            BatchBytes = batchBytes,
            SecondsPerRound = seconds,
            Rounds = rounds,
            Cores = Environment.ProcessorCount,
            LoadAverageAtEnd = BenchResults.LoadAverage(),
            Note = "One sampler (default settings) pulled batches as fast as it could for each round after a 1 s warm-up; " +
                   "variants interleaved per round; medians over rounds. Bytes ratio = Minibatch.SourceBytes (row reads' RESP2 replies) / bytes the batch holds (float32 state, action, goal).",
            Variants = results,
        });
        await store.DeleteRunAsync();
        return 0;
    }

    private static async Task<(double UpdatesPerS, double BytesMoved, double Distinct)> MeasureAsync(RedisReplayStore store, Variant variant, TimeSpan duration, int round)
    {
        await using var sampler = new ReplaySampler(store, new SamplerSettings(Batch) { EpisodesPerBatch = variant.EpisodesPerBatch, Seed = round });
        var delivered = await SamplerRounds.DrainAsync(sampler, duration);
        return (delivered.UpdatesPerS, delivered.SourceBytesPerBatch, delivered.DistinctEpisodesPerBatch);
    }
}
