using Fathom.Replay;

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
        Assert.Equal("ConcurrentFetches", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerSettings(8) { ConcurrentFetches = 0 }).ParamName);
        Assert.Equal("EpisodesPerBatch", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerSettings(8) { EpisodesPerBatch = 0 }).ParamName);
        Assert.Equal("EpisodesPerBatch", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerSettings(8) { EpisodesPerBatch = 9 }).ParamName);
        Assert.Equal(8, new SamplerSettings(8).EpisodesPerBatch);
    }

    [Theory]
    [InlineData(32, 8)]   // 4 rows from each of 8 episodes
    [InlineData(32, 1)]   // one episode fills the batch
    [InlineData(30, 8)]   // 3 or 4 rows each: never more than needed
    public async Task EpisodesPerBatchSpreadsTheRowsEvenly(int batchSize, int perBatch)
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(100_000));
        for (int n = 0; n < 64; n++) await store.AppendAsync(TestEpisodes.Make(n, 10 + n % 5));
        await using var sampler = new ReplaySampler(store, new SamplerSettings(batchSize) { EpisodesPerBatch = perBatch, Seed = 2 });
        for (int b = 0; b < 50; b++)
        {
            var batch = await sampler.NextAsync();
            var rowsPerEpisode = Enumerable.Range(0, batchSize).CountBy(row => (int)batch.States[row * 4]).Select(c => c.Value).ToList();
            Assert.Equal(perBatch, rowsPerEpisode.Count);
            Assert.Equal(perBatch, batch.DistinctEpisodes);
            Assert.All(rowsPerEpisode, rows => Assert.InRange(rows, batchSize / perBatch, (batchSize + perBatch - 1) / perBatch));
        }
    }

    [Fact]
    public async Task AStoreOfFewerEpisodesThanABatchGivesAllOfThemRowsSpreadEvenly()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(100_000));
        var episodes = Enumerable.Range(0, 5).Select(n => TestEpisodes.Make(n, 6 + 3 * n)).ToList();
        foreach (var e in episodes) await store.AppendAsync(e);
        await using var sampler = new ReplaySampler(store, new SamplerSettings(16) { Seed = 4 });
        // Each row costs two range replies (its row and its goal row), each a RESP bulk string: "$28\r\n", 28 bytes, "\r\n".
        int rowBytes = 4 * (TestEpisodes.Layout.StateDim + TestEpisodes.Layout.ActionDim) + 4;
        long replyBytes = 2 * 16 * ($"${rowBytes}\r\n".Length + rowBytes + 2);
        for (int b = 0; b < 30; b++)
        {
            var batch = await sampler.NextAsync();
            Assert.Equal(5, batch.DistinctEpisodes);
            var rowsPerEpisode = Enumerable.Range(0, 16).CountBy(row => (int)batch.States[row * 4]).ToDictionary();
            Assert.Equal(Enumerable.Range(0, 5), rowsPerEpisode.Keys.Order());
            Assert.Equal([3, 3, 3, 3, 4], rowsPerEpisode.Values.Order());
            Assert.Equal(replyBytes, batch.SourceBytes);
        }
    }

    [Fact]
    public async Task OneLoopWithASeedRepeatsItsBatches()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(100_000));
        for (int n = 0; n < 40; n++) await store.AppendAsync(TestEpisodes.Make(n, 12));
        async Task<List<float[]>> Draw(int seed)
        {
            await using var sampler = new ReplaySampler(store, new SamplerSettings(16) { Seed = seed, ConcurrentFetches = 1 });
            var batches = new List<float[]>();
            for (int b = 0; b < 10; b++)
            {
                var batch = await sampler.NextAsync();
                batches.Add([.. batch.States, .. batch.Goals]);
            }
            return batches;
        }
        var first = await Draw(9);
        Assert.Equal(first, await Draw(9));
        Assert.NotEqual(first, await Draw(10));
    }

    [Fact]
    public void DistinctIndicesAreIncludedInProportionToWeightAndHeavyOnesForCertain()
    {
        double[] weights = [1, 2, 3, 4, 10, 30];
        const int n = 3, draws = 60_000;
        var random = new Random(8);
        var counts = new double[weights.Length];
        var reported = new double[weights.Length];
        for (int d = 0; d < draws; d++)
        {
            var chosen = ReplaySampler.SampleDistinct(random, weights, n);
            Assert.Equal(n, chosen.Select(c => c.Index).Distinct().Count());
            foreach (var (index, inclusion) in chosen)
            {
                counts[index]++;
                reported[index] = inclusion;
            }
        }
        // 3·30/50 >= 1, then 2·10/20 >= 1: both certain; the third among weights 1..4 in proportion, w/10.
        double[] expected = [0.1, 0.2, 0.3, 0.4, 1.0, 1.0];
        Assert.Equal(expected, reported.Select(p => Math.Round(p, 12)));
        Assert.Equal(draws, counts[4]);
        Assert.Equal(draws, counts[5]);
        for (int i = 0; i < 4; i++) Assert.InRange(counts[i] / draws, expected[i] - 0.01, expected[i] + 0.01);
    }
}
