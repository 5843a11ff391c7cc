using Fathom.Replay;
using Fathom.Grains.Tests.Infrastructure;

namespace Fathom.Grains.Tests.Replay;

/// <summary>
/// What every replay store must do, run against each backend (in memory, three redis-server shards,
/// a Redis Cluster, embedded Garnet) by the classes deriving from this one.
/// </summary>
public abstract class ReplayStoreContract
{
    protected abstract Task<IReplayStore> CreateStoreAsync(ReplayStoreOptions options);

    [Fact]
    public async Task AppendAndFetchRoundTripByteIdentical()
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(10_000));
        var episodes = Enumerable.Range(0, 6).Select(n => TestEpisodes.Make(n, length: 3 + n * 5)).ToList();
        foreach (var episode in episodes) Assert.True((await store.AppendAsync(episode)).Stored);

        var index = await store.ListAsync();
        Assert.Empty(index.UnavailableShards);
        Assert.Equal(episodes.Sum(e => e.Length), index.Transitions);
        var fetched = await store.FetchAsync(index.Episodes);
        Assert.Equal(episodes.Count, fetched.Count);
        foreach (var original in episodes)
        {
            var back = fetched.Single(f => f.Ref.Id == original.Id);
            Assert.Equal(EpisodeCodec.Encode(original), EpisodeCodec.Encode(back.Episode));
            Assert.Equal(original.Length, back.Ref.Length);
        }
        Assert.Equal(0, store.RejectedCount);
        await store.DeleteRunAsync();
    }

    [Fact]
    public async Task EvictionKeepsEachShardWithinCapacityAndDropsTheOldest()
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(100 * 3));
        // 3 shards of 100 transitions (an in-memory store of one shard holds 300): fill shard 0 with 15 x 10.
        long shardCapacity = store.Options.ShardCapacity(store.ShardCount);
        int count = (int)(shardCapacity / 10) + 5;
        int evicted = 0;
        for (int n = 0; n < count; n++) evicted += (await store.AppendAsync(0, TestEpisodes.Make(n, 10))).EvictedEpisodes;

        var sizes = await store.GetSizesAsync();
        Assert.Equal(5, evicted);
        Assert.Equal(shardCapacity, sizes.Transitions);
        Assert.True(sizes.Transitions <= store.Options.CapacityTransitions);
        Assert.Equal(count * 10L, sizes.InsertedTransitions);
        var index = await store.ListAsync();
        Assert.Equal(Enumerable.Range(5, count - 5).Select(n => TestEpisodes.Make(n, 10).Id), index.Episodes.Select(e => e.Id));
        Assert.Equal(count - 5, (await store.FetchAsync(index.Episodes)).Count);
        await store.DeleteRunAsync();
    }

    [Fact]
    public async Task ConcurrentAppendsIntoAFullShardEvictExactlyDownToItsCapacity()
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(100 * 3));
        long shardCapacity = store.Options.ShardCapacity(store.ShardCount);
        const int writers = 8, perWriter = 40, length = 10;
        // Each append is one atomic step: interleaved appends must neither evict too few (over capacity) nor too many.
        var evicted = await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(async () =>
        {
            int count = 0;
            for (int i = 0; i < perWriter; i++) count += (await store.AppendAsync(0, TestEpisodes.Make(w * 1000 + i, length))).EvictedEpisodes;
            return count;
        })));

        var sizes = await store.GetSizesAsync();
        Assert.Equal(shardCapacity, sizes.Transitions);
        Assert.Equal(shardCapacity / length, sizes.Episodes);
        Assert.Equal(writers * perWriter - shardCapacity / length, evicted.Sum());
        Assert.Equal(writers * perWriter * (long)length, sizes.InsertedTransitions);
        Assert.Equal(evicted.Sum() * (long)length, sizes.EvictedTransitions); // the ledger: inserted = held + evicted
        Assert.Equal(sizes.InsertedTransitions, sizes.Transitions + sizes.EvictedTransitions);
        var index = await store.ListAsync();
        Assert.Equal(shardCapacity / length, (await store.FetchAsync(index.Episodes)).Count);
        await store.DeleteRunAsync();
    }

    [Fact]
    public async Task ABatchAppendHasTheOutcomeOfAppendingOneAfterAnother()
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(100 * 3));
        long shardCapacity = store.Options.ShardCapacity(store.ShardCount);
        int fits = (int)(shardCapacity / 10);
        // One batch (one chunk): fits + 10 new episodes, then episode 0 again (evicted by then, so stored anew; on a
        // server its blob was deleted by the batch's own eviction after its write), then the newest again (indexed).
        var distinct = Enumerable.Range(0, fits + 10).Select(n => TestEpisodes.Make(n, 10)).ToList();
        Assert.True(distinct.Count + 2 <= ReplayStoreBase.AppendChunk);
        var results = await store.AppendAsync(0, [.. distinct, TestEpisodes.Make(0, 10), distinct[^1]]);

        Assert.Equal(distinct.Count + 2, results.Count);
        Assert.All(results, r => Assert.Equal(0, r.Shard));
        Assert.Equal([.. Enumerable.Repeat(true, distinct.Count + 1), false], results.Select(r => r.Stored));
        Assert.Equal([.. Enumerable.Repeat(0, fits), .. Enumerable.Repeat(1, 11), 0], results.Select(r => r.EvictedEpisodes));
        var index = await store.ListAsync();
        Assert.Equal([.. Enumerable.Range(11, fits - 1).Select(n => distinct[n].Id), distinct[0].Id], index.Episodes.Select(e => e.Id));
        var sizes = await store.GetSizesAsync();
        Assert.Equal(shardCapacity, sizes.Transitions);
        Assert.Equal((distinct.Count + 1) * 10L, sizes.InsertedTransitions);
        var fetched = await store.FetchAsync(index.Episodes);
        Assert.Equal(EpisodeCodec.Encode(distinct[0]), EpisodeCodec.Encode(fetched.Single(f => f.Ref.Id == distinct[0].Id).Episode));
        Assert.Equal(0, store.RejectedCount);
        await store.DeleteRunAsync();
    }

    [Fact]
    public Task ABatchOfSeveralChunksIsStoredWholeAndInOrder()
    {
        int count = 2 * ReplayStoreBase.AppendChunk + 5;
        return AssertABatchIsStoredWholeAndInOrderAsync(capacity: 100_000, shard: 1, Enumerable.Range(0, count).Select(n => TestEpisodes.Make(n, 2 + n % 7)).ToList());
    }

    [Fact]
    public Task ABatchOfMoreBytesThanOneCallSendsIsStoredWholeAndInOrder()
    {
        // Nine blobs of 280 KB: three backend calls of three episodes each under ReplayStoreBase.AppendChunkBytes.
        var batch = Enumerable.Range(0, 9).Select(n => TestEpisodes.Make(n, 10_000 + n)).ToList();
        Assert.True(batch.Sum(e => (long)EpisodeCodec.EncodedSize(e)) > 2 * ReplayStoreBase.AppendChunkBytes);
        return AssertABatchIsStoredWholeAndInOrderAsync(capacity: 1_000_000, shard: 0, batch);
    }

    /// <summary>Appends <paramref name="batch"/> to one shard of an empty store and checks each episode is stored, listed in order and read back byte-identical.</summary>
    private async Task AssertABatchIsStoredWholeAndInOrderAsync(long capacity, int shard, List<Episode> batch)
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(capacity));
        shard %= store.ShardCount;
        var results = await store.AppendAsync(shard, batch);

        Assert.All(results, r => Assert.True(r.Stored));
        Assert.Equal(batch.Select(EpisodeCodec.EncodedSize), results.Select(r => r.BlobBytes));
        var index = await store.ListAsync();
        Assert.Equal(batch.Select(e => e.Id), index.Episodes.Select(e => e.Id));
        Assert.All(index.Episodes, e => Assert.Equal(shard, e.Shard));
        var fetched = await store.FetchAsync(index.Episodes);
        Assert.Equal(batch.Select(EpisodeCodec.Encode), fetched.Select(f => EpisodeCodec.Encode(f.Episode)));
        Assert.Equal(batch.Sum(e => (long)e.Length), (await store.GetSizesAsync()).InsertedTransitions);
        await store.DeleteRunAsync();
    }

    [Fact]
    public async Task GoalOffsetsFollowTheTruncatedGeometricLawAndNeverCrossEpisodes()
    {
        const double gamma = 0.9;
        const int length = 40, draws = 100_000, maxBin = 25;
        await using var store = await CreateStoreAsync(TestEpisodes.Options(100_000));
        for (int n = 0; n < 12; n++) await store.AppendAsync(TestEpisodes.Make(n, length));

        var observed = new double[maxBin + 1]; // offsets 1..maxBin, then "more"
        var expected = new double[maxBin + 1];
        await using (var sampler = new ReplaySampler(store, new SamplerSettings(1000) { Gamma = gamma, Seed = 7, ConcurrentFetches = 1 }))
        {
            for (int drawn = 0; drawn < draws;)
            {
                var batch = await sampler.NextAsync();
                for (int row = 0; row < batch.Size; row++, drawn++)
                {
                    int episode = (int)batch.States[row * 4], t = (int)batch.States[row * 4 + 1];
                    Assert.Equal(episode, (int)batch.Goals[row * 2]); // the goal comes from the same episode
                    int k = (int)batch.Goals[row * 2 + 1] - t, horizon = length - t;
                    Assert.InRange(k, 1, horizon);
                    observed[Math.Min(k, maxBin + 1) - 1]++;
                    // Expected: P(k) = gamma^k / sum_{j=1..horizon} gamma^j, computed here independently of the sampler.
                    double norm = 0;
                    for (int j = 1; j <= horizon; j++) norm += Math.Pow(gamma, j);
                    for (int j = 1; j <= horizon; j++) expected[Math.Min(j, maxBin + 1) - 1] += Math.Pow(gamma, j) / norm;
                }
            }
        }
        double chi2 = observed.Zip(expected, (o, e) => (o - e) * (o - e) / e).Sum();
        Assert.True(chi2 < ChiSquare.Critical(maxBin), $"chi-square {chi2:F1} over {maxBin} dof exceeds the 0.001 critical value {ChiSquare.Critical(maxBin):F1}");
        await store.DeleteRunAsync();
    }

    /// <summary>
    /// The paper's batches over a store of 4·B episodes: every row of a batch from its own episode, its goal from the
    /// same episode at a truncated geometric offset.
    /// </summary>
    [Fact]
    public async Task EachRowOfABatchComesFromItsOwnEpisodeWithAGeometricGoal()
    {
        const int batch = 64, episodes = 4 * batch, length = 30, batches = 400, maxBin = 12;
        const double gamma = 0.8;
        await using var store = await CreateStoreAsync(TestEpisodes.Options(1_000_000));
        for (int shard = 0; shard < store.ShardCount; shard++)
            await store.AppendAsync(shard, Enumerable.Range(0, episodes).Where(n => n % store.ShardCount == shard).Select(n => TestEpisodes.Make(n, length)).ToList());

        var observed = new double[maxBin + 1];
        var expected = new double[maxBin + 1];
        var seen = new HashSet<int>();
        await using (var sampler = new ReplaySampler(store, new SamplerSettings(batch) { Gamma = gamma, Seed = 5 }))
        {
            for (int b = 0; b < batches; b++)
            {
                var minibatch = await sampler.NextAsync();
                Assert.Equal(batch, minibatch.DistinctEpisodes);
                var rows = Enumerable.Range(0, batch).Select(row => (int)minibatch.States[row * 4]).ToList();
                Assert.Equal(batch, rows.Distinct().Count());
                seen.UnionWith(rows);
                for (int row = 0; row < batch; row++)
                {
                    int t = (int)minibatch.States[row * 4 + 1], horizon = length - t;
                    Assert.Equal(rows[row], (int)minibatch.Goals[row * 2]);
                    int k = (int)minibatch.Goals[row * 2 + 1] - t;
                    Assert.InRange(k, 1, horizon);
                    observed[Math.Min(k, maxBin + 1) - 1]++;
                    double norm = 0;
                    for (int j = 1; j <= horizon; j++) norm += Math.Pow(gamma, j);
                    for (int j = 1; j <= horizon; j++) expected[Math.Min(j, maxBin + 1) - 1] += Math.Pow(gamma, j) / norm;
                }
            }
        }
        Assert.Equal(episodes, seen.Count);
        double chi2 = observed.Zip(expected, (o, e) => (o - e) * (o - e) / e).Sum();
        Assert.True(chi2 < ChiSquare.Critical(maxBin), $"chi-square {chi2:F1} over {maxBin} dof");
        await store.DeleteRunAsync();
    }

    /// <summary>
    /// A TD learner's rows: the step's read covers the next row too (one range, both rows checked), so each row carries
    /// s_{t+1} of its own episode, and its goal (future or final) is a later state of that episode.
    /// </summary>
    [Fact]
    public async Task RowsWithNextStatesCarryTheFollowingStateOfTheirOwnEpisode()
    {
        const int batch = 32, length = 12;
        await using var store = await CreateStoreAsync(TestEpisodes.Options(1_000_000));
        var episodes = Enumerable.Range(0, 64).Select(n => TestEpisodes.Make(n, length)).ToList();
        for (int shard = 0; shard < store.ShardCount; shard++)
            await store.AppendAsync(shard, episodes.Where(e => e.Sequence % store.ShardCount == shard).ToList());
        await using (var sampler = new ReplaySampler(store, new SamplerSettings(batch) { Seed = 4, NextStates = true, FinalGoalFraction = 0.3 }))
        {
            for (int b = 0; b < 10; b++)
            {
                var minibatch = await sampler.NextAsync();
                for (int row = 0; row < batch; row++)
                {
                    var source = episodes[(int)minibatch.States[row * 4]];
                    int t = (int)minibatch.States[row * 4 + 1];
                    Assert.Equal(source.States.AsSpan((t + 1) * 4, 4).ToArray(), minibatch.NextStates.AsSpan(row * 4, 4).ToArray());
                    Assert.Equal(source.Sequence, (long)minibatch.Goals[row * 2]);
                    Assert.InRange((int)minibatch.Goals[row * 2 + 1], t + 1, length);
                }
            }
        }
        await store.DeleteRunAsync();
    }

    /// <summary>
    /// An episode's chance to be in a batch is in proportion to its length, so every stored transition is equally
    /// likely, also when the longest episodes must be in every fetch (3 of 8 per batch).
    /// </summary>
    [Fact]
    public async Task EpisodesAreDrawnInProportionToLength()
    {
        int[] lengths = [5, 10, 20, 40, 5, 10, 20, 40];
        const int batches = 6000, perBatch = 3;
        await using var store = await CreateStoreAsync(TestEpisodes.Options(100_000));
        for (int n = 0; n < lengths.Length; n++) await store.AppendAsync(TestEpisodes.Make(n, lengths[n]));

        var counts = new double[lengths.Length];
        await using (var sampler = new ReplaySampler(store, new SamplerSettings(30) { Seed = 11, EpisodesPerBatch = perBatch, ConcurrentFetches = 1 }))
        {
            for (int b = 0; b < batches; b++)
            {
                var batch = await sampler.NextAsync();
                var rows = Enumerable.Range(0, batch.Size).Select(row => (int)batch.States[row * 4]).ToList();
                Assert.All(rows.CountBy(e => e), c => Assert.Equal(10, c.Value));
                foreach (int episode in rows.Distinct()) counts[episode]++;
            }
        }
        double total = lengths.Sum();
        // Inclusions without replacement vary less than multinomial counts, so the test is conservative for variance
        // and still sees a bias in the mean.
        double chi2 = counts.Select((c, n) => { double e = batches * perBatch * lengths[n] / total; return (c - e) * (c - e) / e; }).Sum();
        Assert.True(chi2 < ChiSquare.Critical(lengths.Length - 1), $"chi-square {chi2:F1} for counts [{string.Join(", ", counts)}]");
        await store.DeleteRunAsync();
    }

    [Fact]
    public async Task FourWritersAndTwoSamplersLoseAndDuplicateNoEpisode()
    {
        const int writers = 4, perWriter = 30, length = 8;
        await using var store = await CreateStoreAsync(TestEpisodes.Options(1_000_000));
        using var stop = new CancellationTokenSource();
        long sampledRows = 0;
        var samplers = Enumerable.Range(0, 2).Select(s => Task.Run(async () =>
        {
            await using var sampler = new ReplaySampler(store, new SamplerSettings(64) { Seed = s, EpisodesPerBatch = 8 });
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var batch = await sampler.NextAsync(stop.Token);
                    for (int row = 0; row < batch.Size; row++) Assert.Equal(batch.States[row * 4], batch.Goals[row * 2]);
                    Interlocked.Add(ref sampledRows, batch.Size);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested) { }
            }
        })).ToList();
        // Writers block on their appends from threads of their own, as a collector's loop may.
        await OwnThreads.Run(writers, w =>
        {
            for (int i = 0; i < perWriter; i++)
            {
                var episode = TestEpisodes.Make(w * 1000 + i, length, producer: $"writer-{w}", sequence: i);
                Assert.True(store.AppendAsync(episode).GetAwaiter().GetResult().Stored);
                if (i % 10 == 0) Assert.False(store.AppendAsync(episode).GetAwaiter().GetResult().Stored); // a retried append stores nothing
            }
        });
        while (Interlocked.Read(ref sampledRows) < 1000) await Task.Delay(10);
        await stop.CancelAsync();
        await Task.WhenAll(samplers);

        var expectedIds = Enumerable.Range(0, writers).SelectMany(w => Enumerable.Range(0, perWriter).Select(i => $"writer-{w}#{i}")).Order().ToList();
        var index = await store.ListAsync();
        Assert.Equal(expectedIds, index.Episodes.Select(e => e.Id).Order().ToList());
        var sizes = await store.GetSizesAsync();
        Assert.Equal(writers * perWriter, sizes.Episodes);
        Assert.Equal(writers * perWriter * length, sizes.Transitions);
        Assert.Equal(writers * perWriter * length, sizes.InsertedTransitions);
        Assert.Equal(writers * perWriter, (await store.FetchAsync(index.Episodes)).Count);
        await store.DeleteRunAsync();
    }

    /// <summary>
    /// Episodes that vanish between the index read and the row reads (here: index entries of episodes never stored,
    /// which read back empty as evicted ones do) give their places to other episodes: every batch still holds B rows
    /// from B distinct stored episodes, each goal from its row's own episode.
    /// </summary>
    [Fact]
    public async Task EpisodesGoneBeforeTheirRowsAreReadAreReplacedSoNoBatchIsShort()
    {
        const int batch = 32, stored = 4 * batch, length = 12;
        await using var store = await CreateStoreAsync(TestEpisodes.Options(1_000_000));
        for (int shard = 0; shard < store.ShardCount; shard++)
            await store.AppendAsync(shard, Enumerable.Range(0, stored).Where(n => n % store.ShardCount == shard).Select(n => TestEpisodes.Make(n, length)).ToList());
        var ghosts = Enumerable.Range(0, stored).Select(n => new EpisodeRef(n % store.ShardCount, $"ghost#{n}", length)).ToList();
        await using var withGhosts = new GhostEpisodes(store, ghosts);

        await using (var sampler = new ReplaySampler(withGhosts, new SamplerSettings(batch) { Seed = 3, IndexRefreshInterval = TimeSpan.Zero }))
        {
            for (int b = 0; b < 50; b++)
            {
                var minibatch = await sampler.NextAsync();
                Assert.Equal(batch, minibatch.Size);
                Assert.Equal(batch, minibatch.DistinctEpisodes);
                var rows = Enumerable.Range(0, batch).Select(row => (int)minibatch.States[row * 4]).ToList();
                Assert.Equal(batch, rows.Distinct().Count());
                Assert.All(rows, episode => Assert.InRange(episode, 0, stored - 1));
                for (int row = 0; row < batch; row++) Assert.Equal(rows[row], (int)minibatch.Goals[row * 2]);
            }
        }
        Assert.Equal(0, store.RejectedCount); // gone is not corrupt
        await store.DeleteRunAsync();
    }

    /// <summary>
    /// Sampling while writers evict the oldest episodes of a store that holds 4·B episodes per shard: no batch is short, every row of
    /// a batch from its own episode and every goal from its row's episode.
    /// </summary>
    [Fact]
    public async Task EvictionDuringSamplingNeverYieldsAShortBatchOrAForeignGoal()
    {
        const int batch = 16, length = 10;
        await using var store = await CreateStoreAsync(TestEpisodes.Options(4L * batch * length * 3));
        int next = 0;
        async Task AppendSome(int count)
        {
            var episodes = Enumerable.Range(0, count).Select(_ => TestEpisodes.Make(Interlocked.Increment(ref next), length)).ToList();
            foreach (var group in episodes.GroupBy(store.ShardOf)) await store.AppendAsync(group.Key, group.ToList());
        }
        await AppendSome(12 * batch);
        using var stop = new CancellationTokenSource();
        var writer = Task.Run(async () => { while (!stop.IsCancellationRequested) await AppendSome(8); });
        try
        {
            await using var sampler = new ReplaySampler(store, new SamplerSettings(batch) { Seed = 9, IndexRefreshInterval = TimeSpan.FromMilliseconds(20) });
            for (int b = 0; b < 200; b++)
            {
                var minibatch = await sampler.NextAsync();
                Assert.Equal(batch, minibatch.DistinctEpisodes);
                var rows = Enumerable.Range(0, batch).Select(row => (int)minibatch.States[row * 4]).ToList();
                Assert.Equal(batch, rows.Distinct().Count());
                for (int row = 0; row < batch; row++)
                {
                    Assert.Equal(rows[row], (int)minibatch.Goals[row * 2]);
                    Assert.True(minibatch.Goals[row * 2 + 1] > minibatch.States[row * 4 + 1]);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await writer;
        }
        Assert.Equal(0, store.RejectedCount);
        await store.DeleteRunAsync();
    }

    [Fact]
    public async Task ListingSinceAPreviousIndexGivesWhatAWholeListingGives()
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(100 * 3));
        long shardCapacity = store.Options.ShardCapacity(store.ShardCount);
        var index = await store.ListAsync(null);
        int n = 0;
        // Rounds of appends of mixed lengths: none, a few, and enough to evict past everything the previous index held.
        foreach (int appends in new[] { 0, 3, 1, 0, 7, (int)(shardCapacity / 3) + 4, 2 })
        {
            for (int i = 0; i < appends; i++, n++) await store.AppendAsync(TestEpisodes.Make(n, 3 + n % 5));
            index = await store.ListAsync(index);
            var whole = await store.ListAsync();
            Assert.Equal(whole.Episodes, index.Episodes);
            Assert.Equal(whole.Transitions, index.Transitions);
            Assert.Equal((await store.GetSizesAsync()).Transitions, index.Transitions);
        }
        Assert.NotEmpty(index.Episodes);
        await store.DeleteRunAsync();
    }

    [Fact]
    public async Task ListingSinceAnIndexOfADeletedAndRefilledRunReadsTheNewRun()
    {
        await using var store = await CreateStoreAsync(TestEpisodes.Options(10_000));
        for (int n = 0; n < 6; n++) await store.AppendAsync(0, TestEpisodes.Make(n, 5));
        var before = await store.ListAsync();
        await store.DeleteRunAsync();
        // The same shard reaches more transitions than before, so only the counts of its index tell the runs apart.
        for (int n = 100; n < 104; n++) await store.AppendAsync(0, TestEpisodes.Make(n, 10));
        var after = await store.ListAsync(before);
        Assert.Equal(Enumerable.Range(100, 4).Select(n => TestEpisodes.Make(n, 10).Id), after.Episodes.Select(e => e.Id));
        await store.DeleteRunAsync();
    }

    [Fact]
    public async Task DeletingARunRemovesItsEpisodesAndLeavesOtherRuns()
    {
        await using var doomed = await CreateStoreAsync(TestEpisodes.Options(10_000));
        await using var kept = await CreateStoreAsync(TestEpisodes.Options(10_000));
        for (int n = 0; n < 4; n++)
        {
            await doomed.AppendAsync(TestEpisodes.Make(n, 5));
            await kept.AppendAsync(TestEpisodes.Make(n, 5));
        }
        await doomed.DeleteRunAsync();
        Assert.Equal(new ReplaySizes(0, 0, 0, []).Transitions, (await doomed.GetSizesAsync()).Transitions);
        Assert.Empty((await doomed.ListAsync()).Episodes);
        Assert.Equal(20, (await kept.GetSizesAsync()).Transitions);
        await kept.DeleteRunAsync();
    }
}

/// <summary>A store whose index also lists episodes that were never stored: their rows read back empty, as evicted ones do.</summary>
internal sealed class GhostEpisodes(IReplayStore inner, IReadOnlyList<EpisodeRef> ghosts) : IReplayStore
{
    public ReplayStoreOptions Options => inner.Options;
    public int ShardCount => inner.ShardCount;
    public long RejectedCount => inner.RejectedCount;
    public int ShardOf(Episode episode) => inner.ShardOf(episode);
    public Task<AppendResult> AppendAsync(Episode episode, CancellationToken cancellationToken = default) => inner.AppendAsync(episode, cancellationToken);
    public Task<AppendResult> AppendAsync(int shard, Episode episode, CancellationToken cancellationToken = default) => inner.AppendAsync(shard, episode, cancellationToken);
    public Task<IReadOnlyList<AppendResult>> AppendAsync(int shard, IReadOnlyList<Episode> episodes, CancellationToken cancellationToken = default) => inner.AppendAsync(shard, episodes, cancellationToken);

    public async Task<ReplayIndex> ListAsync(CancellationToken cancellationToken = default)
    {
        var index = await inner.ListAsync(cancellationToken);
        return index with { Episodes = [.. index.Episodes, .. ghosts] };
    }

    public Task<IReadOnlyList<FetchedEpisode>> FetchAsync(IReadOnlyList<EpisodeRef> episodes, CancellationToken cancellationToken = default) => inner.FetchAsync(episodes, cancellationToken);
    public Task<RowReads> ReadRowsAsync(IReadOnlyList<RowRequest> requests, CancellationToken cancellationToken = default) => inner.ReadRowsAsync(requests, cancellationToken);
    public Task<ReplaySizes> GetSizesAsync(CancellationToken cancellationToken = default) => inner.GetSizesAsync(cancellationToken);
    public Task DeleteRunAsync(CancellationToken cancellationToken = default) => inner.DeleteRunAsync(cancellationToken);
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
