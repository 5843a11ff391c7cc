using Fathom.Grains.Contracts;
using Fathom.Grains.Stores;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Grains.Workers;
using Fathom.Replay;

namespace Fathom.Grains.Tests.Workers;

/// <summary>A collector worker on its own thread, paced by the learners' ledger on a real redis-server, without grains.</summary>
public sealed class CollectorWorkerTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task The_collector_waits_for_its_learners_chunk_by_chunk_and_a_stop_writes_the_chunk_in_hand()
    {
        // Episodes of 20 steps, 16 envs: chunks of 320. Three learners, batch 32, 1.6 samples per insert, min size 640:
        // MinDiff = 1024 - 64 = 960, MaxDiff = 1088 (the default band 32 + 1.6 x 20).
        var spec = WorkerParts.Spec;
        var run = $"collect-{Guid.NewGuid():N}"[..16];
        await using var store = new InMemoryReplayStore(new ReplayStoreOptions(run, WorkerParts.Layout, spec.Replay.CapacityTransitions), spec.Replay.Shards);
        var layout = WorkerParts.Layout;
        for (var i = 0; i < 40; i++) // 800 transitions
            await store.AppendAsync(new Episode(layout, 20, new float[21 * layout.StateDim], new float[20 * layout.ActionDim], "earlier", 0, i));
        var ledger = new RateLimiterLedger(redis.Redis.GetDatabase(), Timeout);
        async Task Report(long sampled)
        {
            foreach (var learner in spec.Learners) await ledger.ReportAsync(run, learner.Name, 0, sampled, default);
        }
        await Report(0); // D = 1280: every learner can sample, and a chunk would take it past 1088

        var collector = new CollectorWorker(new CollectorAssignment(run, 0, spec, DateTime.UtcNow), store,
            new WeightStore(redis.Redis.GetDatabase(), Timeout), ledger, "test");
        collector.Start();
        await Task.Delay(TimeSpan.FromSeconds(2));
        Assert.Null(collector.ErrorText);
        Assert.Equal(0, collector.Progress().EnvSteps);

        // The learners have used what they had (D = 40): two chunks go in (D 552, then 1064), then it waits again.
        await Report(1240);
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); collector.Progress().EnvSteps < 640; await Task.Delay(50))
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"collected {collector.Progress().EnvSteps} of 640; {collector.ErrorText}");
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        Assert.Equal(640, collector.Progress().EnvSteps);

        collector.RequestStop();
        await collector.Completion.WaitAsync(TimeSpan.FromSeconds(20));
        Assert.Null(collector.ErrorText);
        var progress = collector.Progress();
        Assert.Equal(960, progress.EnvSteps); // the third chunk, held, is written on stop
        Assert.Equal(40 + 48, (await store.GetSizesAsync()).Episodes);
        Assert.Equal(ExperimentState.Stopped, progress.State);
    }
}
