using Fathom.Replay;
using Fathom.Grains.Tests.Infrastructure;
using StackExchange.Redis;

namespace Fathom.Grains.Tests.Replay;

/// <summary>
/// A redis-server at its maxmemory (noeviction) refuses appends: the store turns that into a retryable
/// <see cref="ReplayShardOutOfMemoryException"/> and evicts its oldest episodes, so a retry gets in and a full server
/// never stalls the run.
/// </summary>
public sealed class ReplayOutOfMemoryTests : IAsyncLifetime
{
    private readonly LocalRedisServer _server = LocalRedisServer.Start();
    private ConnectionMultiplexer _admin = null!;

    public async Task InitializeAsync() =>
        _admin = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { _server.EndPoint }, AllowAdmin = true });

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        _server.Dispose();
    }

    private IServer Server => _admin.GetServer(_server.EndPoint);

    private async Task<long> UsedMemory() =>
        long.Parse((await Server.InfoAsync("memory")).SelectMany(g => g).First(p => p.Key == "used_memory").Value);

    [Fact]
    public async Task An_out_of_memory_append_evicts_the_oldest_episodes_and_a_retry_gets_in()
    {
        await using var store = await RedisReplayStore.ConnectShardsAsync(TestEpisodes.Options(capacity: 1_000_000), [ConfigurationOptions.Parse(_server.EndPoint)]);
        await Server.ConfigSetAsync("maxmemory-policy", "noeviction");
        var number = 0;
        for (; number < 10; number++) await store.AppendAsync(0, [TestEpisodes.Make(number, 50)]);
        // Room for a few hundred more episodes (about 1.4 KB each with their keys), far below the store's capacity.
        await Server.ConfigSetAsync("maxmemory", (await UsedMemory() + 300_000).ToString());

        ReplayShardOutOfMemoryException? refused = null;
        for (; refused is null; number++)
        {
            Assert.True(number < 2000, "the server never ran out of memory");
            try { await store.AppendAsync(0, [TestEpisodes.Make(number, 50)]); }
            catch (ReplayShardOutOfMemoryException e) { refused = e; }
        }
        Assert.Equal(0, refused.Shard);
        Assert.Equal(1, refused.EvictedEpisodes);
        Assert.Contains("out of memory", refused.Message);

        // Retrying as a collector does, every episode gets in; the store shrinks below capacity instead of refusing forever.
        var retries = 0;
        for (var appended = 0; appended < 40; retries++)
        {
            if (retries >= 400)
                Assert.Fail($"still refused after {retries} retries (used {await UsedMemory()} B, {(await store.GetSizesAsync()).Episodes} episodes held)");
            try
            {
                await store.AppendAsync(0, [TestEpisodes.Make(number, 50)]);
                number++;
                appended++;
            }
            catch (ReplayShardOutOfMemoryException)
            {
                await Task.Delay(Fathom.Grains.Workers.CollectorWorker.OutOfMemoryDelay(0)); // the collector's shortest back-off
            }
        }
        var index = await store.ListAsync();
        var sizes = await store.GetSizesAsync();
        Assert.Equal(index.Episodes.Count, sizes.Episodes);
        Assert.Equal(index.Transitions, sizes.Transitions);
        Assert.Equal(sizes.InsertedTransitions, sizes.Transitions + sizes.EvictedTransitions); // evictions made for memory are counted too
        Assert.True(sizes.Episodes < number - 1, $"{sizes.Episodes} of {number} episodes held: nothing was evicted");
        Assert.Contains(index.Episodes, e => e.Id == TestEpisodes.Make(number - 1, 50).Id); // the newest is there
        Assert.All(await store.FetchAsync(index.Episodes), e => Assert.Equal(50, e.Episode.Length)); // and every indexed blob is whole
    }

    [Fact]
    public async Task A_server_with_no_room_even_for_evictions_refuses_without_corrupting_the_index()
    {
        await using var store = await RedisReplayStore.ConnectShardsAsync(TestEpisodes.Options(capacity: 1_000_000), [ConfigurationOptions.Parse(_server.EndPoint)]);
        await Server.ConfigSetAsync("maxmemory-policy", "noeviction");
        await Server.ConfigSetAsync("maxmemory", "1");
        var refused = await Assert.ThrowsAsync<ReplayShardOutOfMemoryException>(() => store.AppendAsync(0, [TestEpisodes.Make(1, 50)]));
        Assert.Equal(0, refused.EvictedEpisodes);
        await Server.ConfigSetAsync("maxmemory", "0");
        await store.AppendAsync(0, [TestEpisodes.Make(1, 50)]);
        Assert.Equal(1, (await store.GetSizesAsync()).Episodes);
    }
}
