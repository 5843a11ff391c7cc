using System.Diagnostics;
using System.Globalization;
using Fathom.Replay;
using Fathom.Grains.Tests.Infrastructure;
using StackExchange.Redis;

namespace Fathom.Bench;

/// <summary>
/// What one refresh of a sampler's index costs as the replay grows: a whole read of every entry against a read of
/// only the entries appended since the previous one (<see cref="IReplayStore.ListAsync(ReplayIndex?, CancellationToken)"/>),
/// on one local redis-server holding full stores of PointMaze episodes (100 steps), so that every append also evicts.
/// Args: [store sizes in episodes = 4096,20000,40000] [appended episodes between refreshes = 40] [refreshes per round = 30] [rounds = 3].
/// </summary>
public sealed class IndexBench : IBenchmark
{
    private static readonly EpisodeLayout Layout = new(stateDim: 2, actionDim: 2, goalStart: 0, goalDim: 2);
    private const int Length = 100;

    public string Name => "index";
    public string Description => "one refresh of the sampler's index, whole against incremental, for stores of growing size on one redis-server";

    public sealed record Figures(int Episodes, int AppendedBetweenRefreshes, double WholeMs, double IncrementalMs, double Ratio,
        IReadOnlyList<double> RoundsWholeMs, IReadOnlyList<double> RoundsIncrementalMs);

    public async Task<int> RunAsync(string[] args)
    {
        var sizes = args.Length > 0 ? args[0].Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture)).ToArray() : [4096, 20_000, 40_000];
        int appended = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 40;
        int refreshes = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 30;
        int rounds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;

        using var redis = LocalRedisServer.Start();
        var results = new List<Figures>();
        var random = new Random(1);
        int next = 0;
        foreach (var episodes in sizes)
        {
            var options = new ReplayStoreOptions($"bench-index-{episodes}", Layout, capacityTransitions: (long)episodes * Length);
            await using var store = await RedisReplayStore.ConnectShardsAsync(options, [new ConfigurationOptions { EndPoints = { redis.EndPoint } }]);
            await store.DeleteRunAsync();
            for (int first = 0; first < episodes; first += 64)
                await store.AppendAsync(0, Enumerable.Range(0, Math.Min(64, episodes - first)).Select(_ => SamplerRounds.RandomEpisode(Layout, Length, random, next++)).ToList());

            var whole = new List<double>();
            var incremental = new List<double>();
            for (int round = 0; round < rounds; round++)
            {
                // Whole reads and incremental ones alternate within a round, so that both see the same machine load.
                var index = await store.ListAsync();
                var wholeMs = new List<double>();
                var incrementalMs = new List<double>();
                for (int r = 0; r < refreshes; r++)
                {
                    await store.AppendAsync(0, Enumerable.Range(0, appended).Select(_ => SamplerRounds.RandomEpisode(Layout, Length, random, next++)).ToList());
                    long start = Stopwatch.GetTimestamp();
                    index = await store.ListAsync(index);
                    incrementalMs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    start = Stopwatch.GetTimestamp();
                    var all = await store.ListAsync();
                    wholeMs.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                    if (all.Episodes.Count != index.Episodes.Count) throw new InvalidOperationException($"the incremental index holds {index.Episodes.Count} episodes, the whole one {all.Episodes.Count}");
                }
                whole.Add(BenchResults.Median(wholeMs));
                incremental.Add(BenchResults.Median(incrementalMs));
                Console.WriteLine($"   {episodes} episodes, round {round + 1}: whole {whole[^1]:F2} ms, incremental {incremental[^1]:F2} ms per refresh");
            }
            double w = BenchResults.Median(whole), i = BenchResults.Median(incremental);
            results.Add(new Figures(episodes, appended, w, i, w / i, whole, incremental));
            await store.DeleteRunAsync();
        }

        Console.WriteLine();
        Console.WriteLine($"{"episodes",9} {"whole ms",9} {"incremental ms",15} {"ratio",7}");
        foreach (var f in results) Console.WriteLine($"{f.Episodes,9} {f.WholeMs,9:F2} {f.IncrementalMs,15:F2} {f.Ratio,7:F1}");
        BenchResults.Write(Name, new
        {
            Target = "redis",
            Episode = "point_maze",
            EpisodeLength = Length,
            RefreshesPerRound = refreshes,
            Rounds = rounds,
            Cores = Environment.ProcessorCount,
            LoadAverageAtEnd = BenchResults.LoadAverage(),
            Note = "Per refresh: append N episodes (not timed), then time ListAsync(previous) and ListAsync() back to back; medians per round, then over rounds.",
            Sizes = results,
        });
        return 0;
    }
}
