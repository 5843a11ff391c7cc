using System.Diagnostics.Metrics;
using Fathom.Replay;
using Fathom.Grains.Telemetry;
using StackExchange.Redis;

namespace Fathom.Grains.Tests.Replay;

/// <summary>The store contract plus what only a server can show: a blob corrupted at rest is rejected and counted.</summary>
public abstract class RedisReplayStoreContract : ReplayStoreContract, IAsyncLifetime
{
    private readonly List<ConnectionMultiplexer> _raw = [];

    /// <summary>Settings of a direct connection to the server holding <paramref name="shard"/>.</summary>
    protected abstract ConfigurationOptions RawOptions(int shard);

    [Fact]
    public async Task AFlippedByteInAStoredBlobIsRejectedCountedAndNeverSampled()
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(10_000));
        for (int n = 0; n < 3; n++) await store.AppendAsync(TestEpisodes.Make(n, 6));
        var victim = (await store.ListAsync()).Episodes.Single(e => e.Id == TestEpisodes.Make(1, 6).Id);

        var db = await RawAsync(victim.Shard);
        RedisKey key = RedisReplayKeys.Episode(store.Options.Run, victim.Shard, victim.Id);
        byte[] blob = (await db.StringGetAsync(key))!;
        int rowBytes = EpisodeCodec.RowBytes(TestEpisodes.Layout);
        for (int t = 0; t <= victim.Length; t++) blob[t * rowBytes + 9] ^= 0x01; // every row of it, so no row of it passes
        await db.StringSetAsync(key, blob);

        long counted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument == ReplayTelemetry.ReplayRejected) l.EnableMeasurementEvents(instrument); };
        listener.SetMeasurementEventCallback<long>((_, value, tags, _) =>
        {
            foreach (var tag in tags) if (tag.Key == FathomTelemetry.Tags.Run && (string?)tag.Value == store.Options.Run) Interlocked.Add(ref counted, value);
        });
        listener.Start();

        var fetched = await store.FetchAsync((await store.ListAsync()).Episodes);
        Assert.Equal([0, 2], fetched.Select(f => (int)f.Episode.States[0]).Order());
        Assert.Equal(1, store.RejectedCount);
        Assert.Equal(1, Interlocked.Read(ref counted));

        await using var sampler = new ReplaySampler(store, new SamplerSettings(200) { Seed = 3 });
        for (int i = 0; i < 5; i++)
        {
            var batch = await sampler.NextAsync();
            Assert.Equal(2, batch.DistinctEpisodes); // the two sound episodes, rows spread evenly
            for (int row = 0; row < batch.Size; row++) Assert.NotEqual(1f, batch.States[row * 4]);
        }
        Assert.True(store.RejectedCount >= 2);
        await store.DeleteRunAsync();
    }

    /// <summary>
    /// Samplers read from all shards at once over the store's shared connections; one stopped in the middle of its
    /// reads must leave nothing behind that the next sampler would read as its own replies.
    /// </summary>
    [Fact]
    public async Task SamplersStoppedInTheMiddleOfAFetchLeaveNoConnectionOutOfStep()
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(100_000));
        await store.AppendAsync(0, Enumerable.Range(0, 60).Select(n => TestEpisodes.Make(n, 20)).ToList());
        for (int shard = 1; shard < store.ShardCount; shard++)
            await store.AppendAsync(shard, Enumerable.Range(0, 60).Select(n => TestEpisodes.Make(1000 * shard + n, 20)).ToList());
        for (int round = 0; round < 30; round++)
        {
            await using var sampler = new ReplaySampler(store, new SamplerSettings(32) { Seed = round, EpisodesPerBatch = 24, ConcurrentFetches = 2, PrefetchDepth = 1 });
            for (int i = 0; i < 3; i++) await sampler.NextAsync();
        }
        Assert.Equal(0, store.RejectedCount);
        Assert.Equal(60 * store.ShardCount, (await store.FetchAsync((await store.ListAsync()).Episodes)).Count);
        await store.DeleteRunAsync();
    }

    [Fact]
    public async Task EvictionDeletesTheBlobsOfEvictedEpisodes()
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(30 * 3));
        long shardCapacity = store.Options.ShardCapacity(store.ShardCount);
        var episodes = Enumerable.Range(0, (int)(shardCapacity / 10) + 2).Select(n => TestEpisodes.Make(n, 10)).ToList();
        foreach (var episode in episodes) await store.AppendAsync(0, episode);

        var db = await RawAsync(0);
        string run = store.Options.Run;
        Assert.False(await db.KeyExistsAsync(RedisReplayKeys.Episode(run, 0, episodes[0].Id)));
        Assert.False(await db.KeyExistsAsync(RedisReplayKeys.Episode(run, 0, episodes[1].Id)));
        Assert.True(await db.KeyExistsAsync(RedisReplayKeys.Episode(run, 0, episodes[2].Id)));
        Assert.True(await db.KeyExistsAsync(RedisReplayKeys.Episode(run, 0, episodes[^1].Id)));
        await store.DeleteRunAsync();
    }

    [Fact]
    public async Task AnAppendCutOffBeforeItsIndexStepIsIndexedByTheRetryAndDeletedWithTheRun()
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(10_000));
        var cutOff = TestEpisodes.Make(7, 5);
        int shard = store.ShardOf(cutOff);
        var db = await RawAsync(shard);
        string run = store.Options.Run;
        // What a writer leaves when its connection drops between the blob write and the index script.
        await db.StringSetAsync(RedisReplayKeys.Episode(run, shard, cutOff.Id), EpisodeCodec.Encode(cutOff));
        Assert.Empty((await store.ListAsync()).Episodes);

        var retried = await store.AppendAsync(cutOff);
        Assert.True(retried.Stored);
        Assert.False((await store.AppendAsync(cutOff)).Stored);
        var index = await store.ListAsync();
        Assert.Equal([cutOff.Id], index.Episodes.Select(e => e.Id));
        Assert.Equal(5, (await store.GetSizesAsync()).Transitions);
        Assert.Equal(EpisodeCodec.Encode(cutOff), EpisodeCodec.Encode((await store.FetchAsync(index.Episodes)).Single().Episode));

        // A second cut-off append that is never retried: deleting the run removes it with everything else.
        var orphan = TestEpisodes.Make(8, 5);
        RedisKey orphanKey = RedisReplayKeys.Episode(run, store.ShardOf(orphan), orphan.Id);
        var orphanDb = await RawAsync(store.ShardOf(orphan));
        await orphanDb.StringSetAsync(orphanKey, EpisodeCodec.Encode(orphan));
        await store.DeleteRunAsync();
        Assert.False(await orphanDb.KeyExistsAsync(orphanKey));
        Assert.False(await db.KeyExistsAsync(RedisReplayKeys.Episode(run, shard, cutOff.Id)));
        Assert.False(await db.KeyExistsAsync(RedisReplayKeys.Index(run, shard)));
        Assert.Equal(0, (await store.GetSizesAsync()).Transitions);
    }

    protected async Task<IDatabase> RawAsync(int shard)
    {
        var connection = await ConnectionMultiplexer.ConnectAsync(RawOptions(shard));
        lock (_raw) _raw.Add(connection);
        return connection.GetDatabase();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var connection in _raw) await connection.DisposeAsync();
    }
}
