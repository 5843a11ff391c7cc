using Fathom.Silo.Replay;
using Fathom.Replay;
using Fathom.Grains.Tests.Infrastructure;
using StackExchange.Redis;

namespace Fathom.Grains.Tests.Replay;

/// <summary>The contract on the in-process store (three shards).</summary>
public sealed class InMemoryReplayStoreTests : ReplayStoreContract
{
    protected override Task<IReplayStore> CreateStoreAsync(ReplayStoreOptions options) => Task.FromResult<IReplayStore>(new InMemoryReplayStore(options, shardCount: 3));

    [Fact]
    public async Task RefusesEpisodesOfAnotherShapeOrLongerThanAShard()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(30), shardCount: 3);
        var otherShape = new Episode(new EpisodeLayout(3, 2, 0, 2), 2, new float[9], new float[4], "p", 0, 0);
        Assert.Contains("layout", Assert.Throws<ArgumentException>(() => store.AppendAsync(otherShape).GetAwaiter().GetResult()).Message);
        Assert.Contains("capacity of a shard (10", (await Assert.ThrowsAsync<ArgumentException>(() => store.AppendAsync(TestEpisodes.Make(0, 11)))).Message);
        Assert.Equal("shard", (await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.AppendAsync(3, TestEpisodes.Make(0, 5)))).ParamName);
    }

    [Fact]
    public void ShardOfIsStableAndSpreadsEpisodes()
    {
        var store = new InMemoryReplayStore(TestEpisodes.Options(300), shardCount: 3);
        var shards = Enumerable.Range(0, 300).Select(n => store.ShardOf(TestEpisodes.Make(n, 1))).ToList();
        Assert.Equal(shards, Enumerable.Range(0, 300).Select(n => store.ShardOf(TestEpisodes.Make(n, 1))));
        Assert.All(Enumerable.Range(0, 3), s => Assert.InRange(shards.Count(x => x == s), 60, 140));
    }
}

/// <summary>The contract on three standalone redis-server shards with a password, plus a shard crash.</summary>
[Collection(RedisShardsCollection.Name)]
public sealed class RedisShardsReplayStoreTests(RedisShardsFixture fixture) : RedisReplayStoreContract
{
    protected override async Task<IReplayStore> CreateStoreAsync(ReplayStoreOptions options) => await RedisReplayStore.ConnectShardsAsync(options, fixture.ShardOptions);

    protected override ConfigurationOptions RawOptions(int shard) => fixture.ShardOptions[shard];

    [Fact]
    public async Task WithOneShardStoppedAppendsToItFailRetryablyWhileSamplingGoesOn()
    {
        var options = TestEpisodes.Options(30_000) with { OperationTimeout = TimeSpan.FromSeconds(3) };
        await using var store = await CreateStoreAsync(options);
        for (int n = 0; n < 9; n++) await store.AppendAsync(n % 3, TestEpisodes.Make(n, 10));
        try
        {
            fixture.Servers[1].Stop();

            var error = await Assert.ThrowsAsync<ReplayShardUnavailableException>(() => store.AppendAsync(1, TestEpisodes.Make(100, 10)));
            Assert.Equal(1, error.Shard);
            Assert.True(error.IsRetryable);
            Assert.Contains(fixture.Servers[1].EndPoint, error.Message);
            Assert.DoesNotContain(fixture.Password, error.ToString());
            Assert.True((await store.AppendAsync(0, TestEpisodes.Make(101, 10))).Stored);

            var index = await store.ListAsync();
            Assert.Equal([1], index.UnavailableShards);
            Assert.Equal([1], (await store.GetSizesAsync()).UnavailableShards);
            await using var sampler = new ReplaySampler(store, new SamplerSettings(100) { Seed = 5, Timeout = TimeSpan.FromSeconds(10) });
            var seen = new HashSet<int>();
            for (int i = 0; i < 5; i++)
            {
                var batch = await sampler.NextAsync();
                for (int row = 0; row < batch.Size; row++) seen.Add((int)batch.States[row * 4]);
            }
            Assert.Subset(new HashSet<int> { 0, 2, 3, 5, 6, 8, 101 }, seen);
            Assert.Contains(101, seen);
        }
        finally
        {
            fixture.Servers[1].Restart();
        }
        // The restarted shard comes back empty; the store reconnects on its own, so a retry succeeds.
        for (int attempt = 0; ; attempt++)
        {
            try { await store.DeleteRunAsync(); break; }
            catch (ReplayShardUnavailableException) when (attempt < 100) { await Task.Delay(100); }
        }
    }

    [Fact]
    public async Task AfterAShardRestartsItsNextAppendSucceeds()
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(30_000));
        Assert.True((await store.AppendAsync(2, TestEpisodes.Make(0, 10))).Stored);
        fixture.Servers[2].Restart(); // the connection the append left open is dead now
        Assert.True((await store.AppendAsync(2, TestEpisodes.Make(1, 10))).Stored);
        // StackExchange.Redis reconnects on its own in the background.
        var index = await store.ListAsync();
        for (int attempt = 0; index.UnavailableShards.Count > 0 && attempt < 100; attempt++, index = await store.ListAsync()) await Task.Delay(100);
        Assert.Equal([TestEpisodes.Make(1, 10).Id], index.Episodes.Select(e => e.Id));
        await store.DeleteRunAsync();
    }

    /// <summary>Awaited from the pool or blocked on from a thread of its own, the append is abandoned at its timeout.</summary>
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task AnAppendThatTimesOutIsRetryableAndItsRetryStoresTheEpisodeOnce(bool onOwnThread)
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(30_000) with { OperationTimeout = TimeSpan.FromMilliseconds(500) });
        var admin = fixture.ShardOptions[0].Clone();
        admin.AllowAdmin = true;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(admin);
        var episode = TestEpisodes.Make(7, 10);
        async Task<AppendResult> Append()
        {
            if (!onOwnThread) return await store.AppendAsync(0, episode);
            AppendResult? result = null;
            await OwnThreads.Run(1, _ => result = store.AppendAsync(0, episode).GetAwaiter().GetResult());
            return result!;
        }

        await connection.GetServer(fixture.Servers[0].EndPoint).ExecuteAsync("CLIENT", "PAUSE", "1500", "ALL");
        var error = await Assert.ThrowsAsync<ReplayShardUnavailableException>(Append);
        Assert.IsType<TimeoutException>(error.InnerException);
        await Task.Delay(1500);

        await Append(); // stored now, or by the first attempt once the pause ended
        var index = await store.ListAsync();
        Assert.Equal([episode.Id], index.Episodes.Select(e => e.Id));
        Assert.Equal(EpisodeCodec.Encode(episode), EpisodeCodec.Encode((await store.FetchAsync(index.Episodes)).Single().Episode));
        Assert.Equal(10, (await store.GetSizesAsync()).Transitions);
        await store.DeleteRunAsync();
    }
}

/// <summary>The contract on one redis-server holding the whole store (one shard): the first server of the shards fixture.</summary>
[Collection(RedisShardsCollection.Name)]
public sealed class OneRedisReplayStoreTests(RedisShardsFixture fixture) : RedisReplayStoreContract
{
    protected override async Task<IReplayStore> CreateStoreAsync(ReplayStoreOptions options) => await RedisReplayStore.ConnectShardsAsync(options, [fixture.ShardOptions[0]]);

    protected override ConfigurationOptions RawOptions(int shard) => fixture.ShardOptions[0];
}

/// <summary>The contract on a three-master Redis Cluster: six shards spread over the masters by hash tag.</summary>
[Collection(RedisClusterCollection.Name)]
public sealed class RedisClusterReplayStoreTests(RedisClusterFixture fixture) : RedisReplayStoreContract
{
    protected override async Task<IReplayStore> CreateStoreAsync(ReplayStoreOptions options) => await RedisReplayStore.ConnectClusterAsync(options, fixture.Options, shardCount: 6);

    protected override ConfigurationOptions RawOptions(int shard) => fixture.Options;

    [Fact]
    public async Task ShardsSpreadOverTheMasters()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(fixture.Options);
        var slots = connection.GetServer(connection.GetEndPoints()[0]).ClusterConfiguration!;
        const string run = "spread-check"; // fixed, so the slot layout (and this test) is deterministic
        var masters = Enumerable.Range(0, 6)
            .Select(shard => slots.GetBySlot(RedisReplayKeys.Index(run, shard))!.EndPoint!.ToString())
            .Distinct().Count();
        Assert.True(masters >= 2, $"six shard tags landed on {masters} master(s)");
    }
}

/// <summary>The contract on the embedded Garnet server of the local mode, over as many connections as that mode opens.</summary>
[Collection(GarnetCollection.Name)]
public sealed class GarnetReplayStoreTests(GarnetFixture fixture) : RedisReplayStoreContract
{
    protected override async Task<IReplayStore> CreateStoreAsync(ReplayStoreOptions options) =>
        await RedisReplayStore.ConnectShardsAsync(options, [fixture.Options]);

    [Theory]
    [InlineData(0)]
    [InlineData(RedisReplayStore.MaxConnections + 1)]
    public async Task AConnectionCountOutsideItsRangeIsRefusedByName(int connections)
    {
        var options = TestEpisodes.Options(1000);
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => RedisReplayStore.ConnectShardsAsync(options, [fixture.Options], connections));
        Assert.Equal("connectionsPerShard", error.ParamName);
        Assert.Contains($"[1, {RedisReplayStore.MaxConnections}]", error.Message);
        error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => RedisReplayStore.ConnectClusterAsync(options, fixture.Options, shardCount: 1, connections));
        Assert.Equal("connections", error.ParamName);
    }

    protected override ConfigurationOptions RawOptions(int shard) => fixture.Options;

    [Fact]
    public async Task AReplayAtTheSafeShareOfMemoryLosesNoEpisodeWhileTheLogTurnsOverThreeTimes()
    {
        // Without a storage tier Garnet drops its oldest log pages once the log outgrows its memory. At the capacity the
        // local mode allows (EmbeddedReplayServer.SafeReplayBytes), every indexed episode must still be there after
        // appends worth three times the memory, of mixed lengths so that freed records cannot always be reused.
        const string memory = "64m";
        using var server = EmbeddedReplayServer.Start(LocalRedisServer.FreePort(), memory);
        var options = TestEpisodes.Options(EmbeddedReplayServer.SafeReplayBytes(memory) / EpisodeCodec.BytesPerTransition(TestEpisodes.Layout));
        await using var store = await RedisReplayStore.ConnectShardsAsync(options, [server.ConfigurationOptions]);

        static int Length(long n) => 200 + (int)(n * 7919 % 801);
        long written = 0, next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (long n = Interlocked.Increment(ref next); Interlocked.Read(ref written) < 3 * EmbeddedReplayServer.ParseSize(memory); n = Interlocked.Increment(ref next))
            {
                var episode = TestEpisodes.Make((int)n, Length(n));
                await store.AppendAsync(episode);
                Interlocked.Add(ref written, EpisodeCodec.EncodedSize(episode));
            }
        })));

        var index = await store.ListAsync();
        var sizes = await store.GetSizesAsync();
        Assert.True(sizes.Transitions > options.CapacityTransitions * 9 / 10, $"the store holds {sizes.Transitions} of {options.CapacityTransitions} transitions");
        var fetched = await store.FetchAsync(index.Episodes);
        Assert.Equal(index.Episodes.Count, fetched.Count);
        foreach (var f in fetched.Where((_, i) => i % 50 == 0))
            Assert.Equal(EpisodeCodec.Encode(TestEpisodes.Make((int)f.Episode.States[0], f.Episode.Length)), EpisodeCodec.Encode(f.Episode));
        Assert.Equal(0, store.RejectedCount);
    }
}
