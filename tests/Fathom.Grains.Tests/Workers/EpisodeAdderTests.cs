using System.Diagnostics;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Grains.Tests.Replay;
using Fathom.Grains.Workers;
using Fathom.Replay;
using StackExchange.Redis;

namespace Fathom.Grains.Tests.Workers;

/// <summary>The collector's adder: a chunk to its shard, retried while the shard is down, backed off while it is full.</summary>
public sealed class EpisodeAdderTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    private static Episode[] Chunk(int first, int count) => Enumerable.Range(first, count).Select(i => TestEpisodes.Make(i, 10)).ToArray();

    [Fact]
    public async Task A_chunk_goes_to_the_adders_shard_whole()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(10_000), shardCount: 2);
        var adder = new EpisodeAdder(store, shard: 1, TimeSpan.FromSeconds(5), default);
        adder.Add(Chunk(0, 5), default);
        adder.Add(Chunk(0, 5), default); // a retried chunk is not stored twice
        var index = await store.ListAsync();
        Assert.Equal(5, index.Episodes.Count);
        Assert.All(index.Episodes, e => Assert.Equal(1, e.Shard));
        Assert.Equal(0, adder.OutOfMemoryRetries);
    }

    [Fact]
    public async Task A_shard_that_is_down_is_retried_until_it_is_back()
    {
        using var server = LocalRedisServer.Start();
        var options = TestEpisodes.Options(10_000) with { OperationTimeout = Timeout };
        await using var store = await RedisReplayStore.ConnectShardsAsync(options, [ConfigurationOptions.Parse($"{server.EndPoint},abortConnect=false")]);
        var adder = new EpisodeAdder(store, 0, TimeSpan.FromSeconds(5), default);
        server.Stop();
        var adding = Task.Run(() => adder.Add(Chunk(0, 3), default));
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.False(adding.IsCompleted);
        server.Restart();
        await adding.WaitAsync(TimeSpan.FromSeconds(30));
        // The store's other connections to the shard may still be reconnecting: read once they are back.
        var sizes = await store.GetSizesAsync();
        for (var clock = Stopwatch.StartNew(); sizes.UnavailableShards.Count > 0 && clock.Elapsed < TimeSpan.FromSeconds(20); sizes = await store.GetSizesAsync())
            await Task.Delay(100);
        Assert.Equal(3, sizes.Episodes);
    }

    [Fact]
    public async Task A_full_shard_is_backed_off_and_counted_until_it_has_room()
    {
        using var server = LocalRedisServer.Start();
        await using var admin = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { server.EndPoint }, AllowAdmin = true });
        var redis = admin.GetServer(server.EndPoint);
        await using var store = await RedisReplayStore.ConnectShardsAsync(TestEpisodes.Options(10_000) with { OperationTimeout = Timeout }, [ConfigurationOptions.Parse(server.EndPoint)]);
        await redis.ConfigSetAsync("maxmemory-policy", "noeviction");
        await redis.ConfigSetAsync("maxmemory", "1"); // no room at all, not even by evicting the run's own episodes

        var adder = new EpisodeAdder(store, 0, TimeSpan.FromSeconds(30), default);
        var adding = Task.Run(() => adder.Add(Chunk(0, 20), default));
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.False(adding.IsCompleted);
        Assert.True(adder.OutOfMemoryRetries >= 2, $"{adder.OutOfMemoryRetries} retries");
        await redis.ConfigSetAsync("maxmemory", "0");
        await adding.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Equal(20, (await store.GetSizesAsync()).Episodes);

        // Refused for longer than it may wait, it fails with an error that says what fills the server.
        await redis.ConfigSetAsync("maxmemory", "1");
        var impatient = new EpisodeAdder(store, 0, TimeSpan.FromMilliseconds(500), default);
        var clock = Stopwatch.StartNew();
        var error = Assert.Throws<InvalidOperationException>(() => impatient.Add(Chunk(20, 5), default));
        Assert.Contains("maxmemory", error.Message);
        Assert.IsType<ReplayShardOutOfMemoryException>(error.InnerException);
        Assert.True(clock.Elapsed >= TimeSpan.FromMilliseconds(500), $"gave up after {clock.Elapsed}");
    }

    [Fact]
    public void The_back_off_is_jittered_under_a_doubling_ceiling()
    {
        var first = Enumerable.Range(0, 200).Select(_ => EpisodeAdder.OutOfMemoryDelay(0)).ToArray();
        Assert.All(first, d => Assert.InRange(d.TotalMilliseconds, 10, 100));
        Assert.True(first.Distinct().Count() > 100, "the delays are not jittered");
        var late = Enumerable.Range(0, 200).Select(_ => EpisodeAdder.OutOfMemoryDelay(40)).ToArray();
        Assert.All(late, d => Assert.InRange(d.TotalMilliseconds, 10, 5_000));
        Assert.True(late.Max() > TimeSpan.FromSeconds(1), "the ceiling does not grow");
    }
}
