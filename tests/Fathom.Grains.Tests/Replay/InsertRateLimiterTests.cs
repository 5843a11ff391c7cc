using Fathom.Grains.Tests.Infrastructure;
using Fathom.Replay;
using StackExchange.Redis;

namespace Fathom.Grains.Tests.Replay;

/// <summary>
/// The collectors' side of the samples-per-insert rule: learners' counts published to the ledger on a real
/// redis-server, inserts judged against every live learner of the run.
/// </summary>
public sealed class InsertRateLimiterTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(5);

    // SamplesPerInsert 2, min size 20, buffer 15: MinDiff = 25, MaxDiff = 55; batch 10, episodes of 10, chunks of 20.
    private static readonly RateLimiterSettings Settings = new(samplesPerInsert: 2, minSizeToSample: 20, errorBuffer: 15);

    private readonly IConnectionMultiplexer _redis = redis.Redis;
    private readonly RateLimiterLedger _ledger = new(redis.Redis.GetDatabase(), Long);

    private static async Task<InMemoryReplayStore> StoreWith(int episodes)
    {
        var store = new InMemoryReplayStore(TestEpisodes.Options(10_000));
        for (int i = 0; i < episodes; i++) await store.AppendAsync(TestEpisodes.Make(i, 10));
        return store;
    }

    private static InsertRateLimiter.Learner Learner(string name, RateLimiterSettings? settings = null) => new(name, settings ?? Settings, 10);

    [Fact]
    public async Task Collectors_block_while_the_slowest_live_learner_has_a_chunk_to_go()
    {
        await using var store = await StoreWith(4); // inserted 40
        var run = store.Options.Run;
        var limiter = new InsertRateLimiter(store, _ledger, [Learner("fast"), Learner("slow")], Poll);
        await _ledger.ReportAsync(run, "fast", 0, 50, default); // D = 80 - 50 = 30: it cannot sample, so it holds nobody
        await _ledger.ReportAsync(run, "slow", 0, 0, default); // D = 80: it can sample, and 80 + 2*20 > 55

        Assert.Equal(["slow"], await limiter.HoldingAsync(20));
        var held = await Assert.ThrowsAsync<TimeoutException>(() => limiter.WaitToInsertAsync(20, Short));
        Assert.Contains("slow", held.Message);
        Assert.DoesNotContain("fast", held.Message);
        Assert.True(limiter.BlockedTime >= Short * 0.9, $"blocked {limiter.BlockedTime}");

        var waiting = limiter.WaitToInsertAsync(20, Long);
        await Task.Delay(50);
        Assert.False(waiting.IsCompleted);
        await _ledger.ReportAsync(run, "slow", 0, 50, default); // the slow learner has caught up
        await waiting;
        Assert.Empty(await limiter.HoldingAsync(20));
    }

    [Fact]
    public async Task A_stale_learner_does_not_block_and_one_that_never_reported_does_during_its_grace()
    {
        await using var store = await StoreWith(4);
        var run = store.Options.Run;
        var stale = DateTime.UtcNow - RateLimiterLedger.StaleAfter - TimeSpan.FromSeconds(1);
        await _redis.GetDatabase().HashSetAsync(RateLimiterLedger.Key(run), "gone", $"0:0:{stale.Ticks}");
        Assert.True((await _ledger.ReadAsync(run, default))["gone"].IsStale(DateTime.UtcNow));
        Assert.Empty(await new InsertRateLimiter(store, _ledger, [Learner("gone")], Poll).HoldingAsync(20));

        // The same counts, fresh, hold the insert.
        await _ledger.ReportAsync(run, "gone", 0, 0, default);
        Assert.Equal(["gone"], await new InsertRateLimiter(store, _ledger, [Learner("gone")], Poll).HoldingAsync(20));

        // A learner that never reported holds once the store could feed it, not before.
        var starting = new InsertRateLimiter(store, _ledger, [Learner("starting")], Poll);
        Assert.Equal(["starting"], await starting.HoldingAsync(20));
        await using var small = await StoreWith(1);
        Assert.Empty(await new InsertRateLimiter(small, _ledger, [Learner("starting")], Poll).HoldingAsync(20));
    }

    [Fact]
    public async Task A_learner_publishes_its_counts_and_collectors_follow_them()
    {
        await using var store = await StoreWith(2); // at the minimum size: the learner may start
        var run = store.Options.Run;
        var learner = new SampleToInsertRatioLimiter(Settings, store, 10, 10, "learner", Poll, ledger: _ledger);
        await learner.WaitToSampleAsync(Long); // D = 40 - 10 = 30, and its first sample is published at once
        Assert.Equal(10, (await _ledger.ReadAsync(run, default))["learner"].Sampled);
        await store.AppendAsync(TestEpisodes.Make(2, 10));
        await store.AppendAsync(TestEpisodes.Make(3, 10));

        var collector = new InsertRateLimiter(store, _ledger, [Learner("learner")], Poll);
        Assert.Equal(["learner"], await collector.HoldingAsync(20)); // D = 80 - 10 = 70: a chunk would leave the band
        var waiting = collector.WaitToInsertAsync(20, Long);
        // The learner samples what it may (70 -> 30); as it waits it publishes, and the collector goes on.
        var allowed = 0;
        while (true)
        {
            try { await learner.WaitToSampleAsync(Short); allowed++; }
            catch (TimeoutException) { break; }
        }
        Assert.Equal(4, allowed);
        await waiting.WaitAsync(Long);
        var entry = (await _ledger.ReadAsync(run, default))["learner"];
        Assert.Equal((0L, 50L), (entry.InsertedBaseline, entry.Sampled));

        await learner.LeaveAsync(default);
        Assert.False((await _ledger.ReadAsync(run, default)).ContainsKey("learner"));
    }

    [Fact]
    public async Task A_resumed_learner_counts_inserts_from_the_stores_first_append()
    {
        await using var store = await StoreWith(4);
        var run = store.Options.Run;
        // Resumed having sampled 60 of the 40 inserted at ratio 2: D = 80 - 60 = 20, below its floor.
        var learner = new SampleToInsertRatioLimiter(Settings, store, 10, 10, "resumed", Poll, resumedSamples: 60, ledger: _ledger);
        await Assert.ThrowsAsync<TimeoutException>(() => learner.WaitToSampleAsync(Short));
        Assert.Equal((0L, 60L), ((await _ledger.ReadAsync(run, default))["resumed"].InsertedBaseline, (await _ledger.ReadAsync(run, default))["resumed"].Sampled));
        Assert.Empty(await new InsertRateLimiter(store, _ledger, [Learner("resumed")], Poll).HoldingAsync(20));
    }

    [Fact]
    public async Task A_band_wide_enough_for_the_chunk_lets_it_in_before_the_learner_has_used_what_it_had()
    {
        await using var store = await StoreWith(4);
        var run = store.Options.Run;
        await _ledger.ReportAsync(run, "learner", 0, 0, default); // D = 80, the learner may still sample
        var wide = new RateLimiterSettings(2, 20, 100); // MaxDiff = 140 >= 80 + 2*20
        Assert.Empty(await new InsertRateLimiter(store, _ledger, [Learner("learner", wide)], Poll).HoldingAsync(20));
        Assert.Equal(["learner"], await new InsertRateLimiter(store, _ledger, [Learner("learner")], Poll).HoldingAsync(20));
    }

    [Fact]
    public async Task A_malformed_ledger_entry_is_an_error_naming_the_key_field_and_value()
    {
        var run = $"ledger-{Guid.NewGuid():N}"[..16];
        await _redis.GetDatabase().HashSetAsync(RateLimiterLedger.Key(run), "deep", "12:x");
        var error = await Assert.ThrowsAsync<InvalidDataException>(() => _ledger.ReadAsync(run, default));
        Assert.Contains($"fathom:{run}:ratelimiter", error.Message);
        Assert.Contains("'deep'", error.Message);
        Assert.Contains("'12:x'", error.Message);
    }
}
