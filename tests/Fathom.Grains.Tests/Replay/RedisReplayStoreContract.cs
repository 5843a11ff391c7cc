using System.Diagnostics.Metrics;
using Fathom.Grains.Replay;
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
        RedisKey key = RedisReplayKeys.Episodes(store.Options.Run, victim.Shard);
        byte[] blob = (await db.HashGetAsync(key, victim.Id))!;
        blob[EpisodeCodec.HeaderBytes + 20] ^= 0x01;
        await db.HashSetAsync(key, victim.Id, blob);

        long counted = 0;
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument == FathomTelemetry.ReplayRejected) l.EnableMeasurementEvents(instrument); };
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
            for (int row = 0; row < batch.Size; row++) Assert.NotEqual(1f, batch.States[row * 4]);
        }
        Assert.True(store.RejectedCount >= 2);
        await store.DeleteRunAsync();
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
