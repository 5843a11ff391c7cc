using Fathom.Grains.Stores;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Learner.Crl;
using StackExchange.Redis;

namespace Fathom.Grains.Tests.Stores;

/// <summary>The versioned weight store and the checkpoint store against embedded Garnet.</summary>
[Collection(GarnetCollection.Name)]
public sealed class WeightAndCheckpointStoreTests(GarnetFixture garnet) : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly string _run = $"stores-{Guid.NewGuid():N}"[..16];
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(garnet.Options);

    public async Task DisposeAsync() => await _redis.DisposeAsync();

    /// <summary>Several chunks and an odd tail, so chunking and reassembly are exercised.</summary>
    private static byte[] Blob(int seed) => Enumerable.Range(0, (2 << 20) + 12_345).Select(i => (byte)(i * 31 + seed)).ToArray();

    [Fact]
    public async Task Collectors_get_only_newer_versions_and_the_newest_one()
    {
        var weights = new WeightStore(_redis.GetDatabase(), Timeout);
        Assert.Equal(0, await weights.LatestVersion(_run, "behaviour", default));
        Assert.Null(await weights.FetchNewer(_run, "behaviour", 0, default));

        await weights.Publish(_run, "behaviour", 1, Blob(1), default);
        await weights.Publish(_run, "behaviour", 2, Blob(2), default);
        var fetched = await weights.FetchNewer(_run, "behaviour", 0, default);
        Assert.NotNull(fetched);
        Assert.Equal(2, fetched.Value.Version);
        Assert.Equal(Blob(2), fetched.Value.Blob);
        Assert.Null(await weights.FetchNewer(_run, "behaviour", 2, default));
        Assert.Null(await weights.FetchNewer(_run, "other-learner", 0, default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => weights.Publish(_run, "behaviour", 0, Blob(0), default));
    }

    [Fact]
    public async Task A_corrupted_or_incomplete_blob_is_rejected_never_loaded()
    {
        var weights = new WeightStore(_redis.GetDatabase(), Timeout);
        await weights.Publish(_run, "behaviour", 1, Blob(1), default);
        var db = _redis.GetDatabase();
        var chunk = $"fathom:{_run}:weights:behaviour:v1:chunk:1";
        var bytes = (byte[])(await db.StringGetAsync(chunk))!;
        bytes[100] ^= 0xFF;
        await db.StringSetAsync(chunk, bytes);
        var flipped = await Assert.ThrowsAsync<InvalidDataException>(() => weights.FetchNewer(_run, "behaviour", 0, default));
        Assert.Contains("checksum", flipped.Message);

        await db.KeyDeleteAsync(chunk);
        var missing = await Assert.ThrowsAsync<InvalidDataException>(() => weights.FetchNewer(_run, "behaviour", 0, default));
        Assert.Contains("missing", missing.Message);
    }

    [Fact]
    public async Task An_actor_blob_is_checksummed_by_the_store_alone_and_a_flipped_parameter_is_refused_there()
    {
        using var agent = new CrlAgent(new CrlConfig { StateDim = 4, ActionDim = 2, GoalDim = 2, ActorWidth = 16, CriticWidth = 16, ReprDim = 8 });
        var blob = agent.ExportActor();
        var weights = new WeightStore(_redis.GetDatabase(), Timeout);
        await weights.Publish(_run, "actor", 1, blob, default);
        using (CrlPolicy.Import((await weights.FetchNewer(_run, "actor", 0, default))!.Value.Blob)) { }

        // The actor blob checks only its format, so a flipped parameter byte would load: the store's SHA-256 must refuse it.
        var flippedBlob = (byte[])blob.Clone();
        flippedBlob[^3] ^= 0x10;
        using (CrlPolicy.Import(flippedBlob)) { }
        var db = _redis.GetDatabase();
        var chunk = $"fathom:{_run}:weights:actor:v1:chunk:0";
        var stored = (byte[])(await db.StringGetAsync(chunk))!;
        stored[^3] ^= 0x10;
        await db.StringSetAsync(chunk, stored);
        var refused = await Assert.ThrowsAsync<InvalidDataException>(() => weights.FetchNewer(_run, "actor", 0, default));
        Assert.Contains($"blob fathom:{_run}:weights:actor:v1: checksum mismatch", refused.Message);
    }

    [Fact]
    public async Task The_latest_checkpoint_wins_and_a_cancelled_save_leaves_the_previous_one()
    {
        var checkpoints = new CheckpointStore(_redis.GetDatabase(), Timeout);
        Assert.Null(await checkpoints.LoadLatest(_run, "deep", default));
        await checkpoints.Save(_run, "deep", 100, Blob(100), default);
        await checkpoints.Save(_run, "deep", 200, Blob(200), default);
        var latest = await checkpoints.LoadLatest(_run, "deep", default);
        Assert.Equal(200, latest!.Value.Updates);
        Assert.Equal(Blob(200), latest.Value.State);

        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => checkpoints.Save(_run, "deep", 300, Blob(300), cancelled.Token));
        Assert.Equal(200, (await checkpoints.LoadLatest(_run, "deep", default))!.Value.Updates);
    }
}
