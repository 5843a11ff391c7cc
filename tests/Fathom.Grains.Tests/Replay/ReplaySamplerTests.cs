using Fathom.Grains.Replay;

namespace Fathom.Grains.Tests.Replay;

public class ReplaySamplerTests
{
    [Fact]
    public async Task AnEmptyStoreTimesOutWithAClearMessage()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(1_000));
        await using var sampler = new ReplaySampler(store, new SamplerSettings(8) { Timeout = TimeSpan.FromMilliseconds(200) });
        var error = await Assert.ThrowsAsync<TimeoutException>(() => sampler.NextAsync());
        Assert.Contains("No minibatch of 8", error.Message);
        Assert.True(sampler.WaitedForData >= TimeSpan.FromMilliseconds(180));
    }

    [Fact]
    public async Task NextHonoursCancellation()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(1_000));
        await using var sampler = new ReplaySampler(store, new SamplerSettings(8));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => sampler.NextAsync(cancel.Token));
    }

    [Fact]
    public async Task BatchesHaveTheDeclaredShapesAndMatchTheStoredRows()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(1_000));
        var episodes = Enumerable.Range(0, 3).Select(n => TestEpisodes.Make(n, 12)).ToList();
        foreach (var e in episodes) await store.AppendAsync(e);
        await using var sampler = new ReplaySampler(store, new SamplerSettings(16) { Seed = 1 });
        var batch = await sampler.NextAsync();
        Assert.Equal(16 * 4, batch.States.Length);
        Assert.Equal(16 * 2, batch.Actions.Length);
        Assert.Equal(16 * 2, batch.Goals.Length);
        for (int row = 0; row < 16; row++)
        {
            var source = episodes[(int)batch.States[row * 4]];
            int t = (int)batch.States[row * 4 + 1];
            Assert.Equal(source.States.AsSpan(t * 4, 4).ToArray(), batch.States.AsSpan(row * 4, 4).ToArray());
            Assert.Equal(source.Actions.AsSpan(t * 2, 2).ToArray(), batch.Actions.AsSpan(row * 2, 2).ToArray());
        }
    }

    [Fact]
    public void BadSettingsNameTheFieldAndRange()
    {
        Assert.Equal("batchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerSettings(0)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerSettings(8) { Gamma = 1.5 }).ParamName);
        Assert.Equal("EpisodesPerFetch", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerSettings(8) { EpisodesPerFetch = 0 }).ParamName);
    }
}
