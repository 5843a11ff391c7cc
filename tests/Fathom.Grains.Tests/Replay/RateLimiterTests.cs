using Fathom.Replay;

namespace Fathom.Grains.Tests.Replay;

public class RateLimiterTests
{
    private static readonly TimeSpan Short = TimeSpan.FromMilliseconds(150);
    private static readonly TimeSpan Long = TimeSpan.FromSeconds(10);

    // SamplesPerInsert 2, min size 20, buffer 15: MinDiff = 25, MaxDiff = 55; batch 10, episodes of 10.
    private static readonly RateLimiterSettings Settings = new(samplesPerInsert: 2, minSizeToSample: 20, errorBuffer: 15);

    private static async Task<int> SampleUntilBlocked(SampleToInsertRatioLimiter limiter)
    {
        int allowed = 0;
        while (true)
        {
            try { await limiter.WaitToSampleAsync(Short); allowed++; }
            catch (TimeoutException) { return allowed; }
        }
    }

    [Fact]
    public async Task SamplingWaitsForTheMinimumSizeThenFollowsTheRatio()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(10_000));
        var limiter = new SampleToInsertRatioLimiter(Settings, store, batchSize: 10, episodeLength: 10, learner: "test", pollInterval: TimeSpan.FromMilliseconds(5));

        await store.AppendAsync(TestEpisodes.Make(0, 10));
        var early = await Assert.ThrowsAsync<TimeoutException>(() => limiter.WaitToSampleAsync(Short));
        Assert.Contains("size 10 (min 20)", early.Message);

        await store.AppendAsync(TestEpisodes.Make(1, 10));
        // inserted 20: 20*2 - (sampled+10) >= 25 allows sampled 0 -> 10 only... then 40-(10+10)=20 < 25.
        Assert.Equal(1, await SampleUntilBlocked(limiter));
        await store.AppendAsync(TestEpisodes.Make(2, 10));
        // inserted 30: 60 - (sampled+10) >= 25 for sampled 10, 20: two more batches.
        Assert.Equal(2, await SampleUntilBlocked(limiter));
        Assert.Equal(30, limiter.Sampled);
        Assert.Equal(30, limiter.Inserted);
        Assert.Equal(1.0, limiter.SamplesPerInsert);
        Assert.True(limiter.BlockedTime >= 3 * Short * 0.9, $"blocked {limiter.BlockedTime}");
    }

    [Fact]
    public async Task ABlockedSampleProceedsAsSoonAsInsertsArrive()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(10_000));
        var limiter = new SampleToInsertRatioLimiter(Settings, store, 10, 10, "test", TimeSpan.FromMilliseconds(5));
        var waiting = limiter.WaitToSampleAsync(Long);
        await Task.Delay(100);
        Assert.False(waiting.IsCompleted);
        await store.AppendAsync(TestEpisodes.Make(0, 10));
        await store.AppendAsync(TestEpisodes.Make(1, 10));
        await waiting.WaitAsync(Long);
        Assert.Equal(10, limiter.Sampled);
        Assert.True(limiter.BlockedTime >= TimeSpan.FromMilliseconds(90));
    }

    [Fact]
    public void AnInsertWaitsWhileTheLearnerCanStillSampleAndTheInsertWouldLeaveTheBand()
    {
        // Size 20 (at the minimum), inserted 20, nothing sampled: D = 40, and the learner may sample (40 - 10 >= 25).
        Assert.False(Settings.AllowsInsert(size: 20, inserted: 20, sampled: 0, transitions: 10, batchSize: 10)); // (20+10)*2 - 0 = 60 > 55
        Assert.True(Settings.AllowsInsert(20, 20, 10, 10, 10)); // (20+10)*2 - 10 = 50 <= 55
        // A chunk wider than the band goes in only once the learner has used what it had (it cannot sample: 30 - 10 < 25).
        Assert.False(Settings.AllowsInsert(20, 20, 5, 100, 10));
        Assert.True(Settings.AllowsInsert(20, 20, 10, 100, 10));
        // Below the minimum size nothing can run ahead of the learner.
        Assert.True(Settings.AllowsInsert(10, 10, 0, 1_000, 10));
        Assert.False(Settings.AllowsSample(10, 10, 0, 10));
    }

    [Fact]
    public async Task WaitsHonourCancellation()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(10_000));
        var limiter = new SampleToInsertRatioLimiter(Settings, store, 10, 10, "test");
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => limiter.WaitToSampleAsync(Long, cancel.Token));
    }

    [Fact]
    public async Task SettingsThatCouldDeadlockAreRefused()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(1_000));
        // A sample moves the difference by 64, an insert by 2*100: a band of 2*50 cannot hold both.
        var narrow = Assert.Throws<ArgumentException>(() => new SampleToInsertRatioLimiter(new RateLimiterSettings(2, 100, 50), store, 64, 100, "test"));
        Assert.Equal("ErrorBuffer", narrow.ParamName);
        Assert.Contains("132", narrow.Message);
        var unreachable = Assert.Throws<ArgumentException>(() => new SampleToInsertRatioLimiter(new RateLimiterSettings(2, 5_000, 1_000), store, 64, 100, "test"));
        Assert.Contains("never start", unreachable.Message);
        // The smallest safe buffer is accepted.
        _ = new SampleToInsertRatioLimiter(new RateLimiterSettings(2, 100, 132), store, 64, 100, "test");
    }

    [Fact]
    public void BadSettingsNameTheFieldAndRange()
    {
        Assert.Equal("samplesPerInsert", Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimiterSettings(0, 10, 10)).ParamName);
        Assert.Equal("minSizeToSample", Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimiterSettings(1, 0, 10)).ParamName);
        Assert.Equal("errorBuffer", Assert.Throws<ArgumentOutOfRangeException>(() => new RateLimiterSettings(1, 10, double.NaN)).ParamName);
    }
}
