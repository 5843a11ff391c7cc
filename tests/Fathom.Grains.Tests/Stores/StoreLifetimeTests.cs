using Fathom.Grains.Stores;
using Fathom.Grains.Tests.Infrastructure;
using StackExchange.Redis;

namespace Fathom.Grains.Tests.Stores;

/// <summary>Superseded weight versions and orphaned blob chunks expire by themselves, against a real redis-server with short lifetimes.</summary>
public sealed class StoreLifetimeTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);
    private readonly LocalRedisServer _server = LocalRedisServer.Start();
    private readonly string _run = $"life-{Guid.NewGuid():N}"[..14];
    private ConnectionMultiplexer _redis = null!;

    public async Task InitializeAsync() => _redis = await ConnectionMultiplexer.ConnectAsync(_server.EndPoint);

    public async Task DisposeAsync()
    {
        await _redis.DisposeAsync();
        _server.Dispose();
    }

    private static byte[] Blob(int seed) => Enumerable.Range(0, (1 << 20) + 777).Select(i => (byte)(i * 7 + seed)).ToArray();

    private async Task<string[]> Keys(string pattern)
    {
        var keys = new List<string>();
        await foreach (var key in _redis.GetServer(_server.EndPoint).KeysAsync(pattern: pattern)) keys.Add(key!);
        return [.. keys];
    }

    [Fact]
    public async Task Only_the_newest_weight_version_outlives_the_grace()
    {
        var weights = new WeightStore(_redis.GetDatabase(), Timeout, supersededLifetime: TimeSpan.FromSeconds(3));
        for (var v = 1; v <= 4; v++) await weights.Publish(_run, "behaviour", v, Blob(v), default);
        Assert.Contains(await Keys(WeightStore.RunPattern(_run)), k => k.EndsWith(":v3", StringComparison.Ordinal)); // still within its grace

        await Task.Delay(TimeSpan.FromSeconds(4));
        var left = await Keys(WeightStore.RunPattern(_run));
        Assert.DoesNotContain(left, k => k.Contains(":v1", StringComparison.Ordinal) || k.Contains(":v2", StringComparison.Ordinal) || k.Contains(":v3", StringComparison.Ordinal));
        Assert.Contains(left, k => k.EndsWith(":v4", StringComparison.Ordinal));
        var fetched = await weights.FetchNewer(_run, "behaviour", 0, default);
        Assert.Equal(4, fetched!.Value.Version);
        Assert.Equal(Blob(4), fetched.Value.Blob);
    }

    [Fact]
    public async Task Fetches_racing_a_publisher_whose_versions_expire_at_once_never_fail_nor_return_a_wrong_blob()
    {
        // A grace shorter than a fetch, so that the version a fetch read expires under it and the retry path runs.
        var weights = new WeightStore(_redis.GetDatabase(), Timeout, supersededLifetime: TimeSpan.FromMilliseconds(5));
        await weights.Publish(_run, "behaviour", 1, Blob(1), default);
        using var stop = new CancellationTokenSource();
        var publisher = Task.Run(async () =>
        {
            for (var v = 2; !stop.IsCancellationRequested; v++) await weights.Publish(_run, "behaviour", v, Blob(v), default);
        });
        var fetched = 0;
        for (var i = 0; i < 60; i++)
        {
            if (await weights.FetchNewer(_run, "behaviour", 0, default) is not { } got) continue;
            Assert.Equal(Blob((int)got.Version), got.Blob);
            fetched++;
        }
        await stop.CancelAsync();
        await publisher;
        Assert.True(fetched >= 30, $"only {fetched} of 60 fetches got weights");
    }

    [Fact]
    public async Task A_chunk_missing_from_the_newest_version_is_corruption_not_a_race()
    {
        var weights = new WeightStore(_redis.GetDatabase(), Timeout, supersededLifetime: TimeSpan.FromSeconds(1));
        await weights.Publish(_run, "behaviour", 1, Blob(1), default);
        await _redis.GetDatabase().KeyDeleteAsync($"fathom:{_run}:weights:behaviour:v1:chunk:1");
        await Assert.ThrowsAsync<InvalidDataException>(() => weights.FetchNewer(_run, "behaviour", 0, default));
    }

    [Fact]
    public async Task Chunks_of_a_blob_whose_writer_died_before_its_header_expire()
    {
        var blobs = new ChunkedBlobs(_redis.GetDatabase(), Timeout, pendingLifetime: TimeSpan.FromSeconds(3));
        var orphan = $"fathom:{_run}:checkpoint:deep:u40";
        Assert.Equal(2, await blobs.PutChunks(orphan, Blob(1), default)); // a learner killed here never writes the header
        var whole = $"fathom:{_run}:checkpoint:deep:u20";
        await blobs.Put(whole, Blob(2), default);
        Assert.Equal(2 + 3, (await Keys(CheckpointStore.RunPattern(_run))).Length);

        await Task.Delay(TimeSpan.FromSeconds(4));
        var left = await Keys(CheckpointStore.RunPattern(_run));
        Assert.DoesNotContain(left, k => k.StartsWith(orphan, StringComparison.Ordinal));
        Assert.Equal(3, left.Length); // the whole blob's header and chunks were made permanent with the header
        Assert.Equal(Blob(2), await blobs.Get(whole, default));
    }

    [Fact]
    public async Task A_blob_whose_chunks_expired_before_its_header_is_refused_not_half_written()
    {
        // Chunks that expire before sixteen of them can be written: the first is gone before the header lands.
        var instant = new ChunkedBlobs(_redis.GetDatabase(), Timeout, pendingLifetime: TimeSpan.FromMilliseconds(1));
        var key = $"fathom:{_run}:weights:slow:v1";
        var large = Enumerable.Range(0, 16 << 20).Select(i => (byte)i).ToArray();
        var error = await Assert.ThrowsAsync<IOException>(() => instant.Put(key, large, default));
        Assert.Contains("expired before the header", error.Message);
        Assert.Null(await instant.Get(key, default));
    }
}
