using Fathom.Grains.Tests.Replay;
using Fathom.Grains.Workers;
using Fathom.Replay;

namespace Fathom.Grains.Tests.Workers;

/// <summary>The learner's step loop: limiter, minibatch, update; pacing and waiting for data kept apart.</summary>
public sealed class LearnerStepLoopTests
{
    // Batch 32 (the spec's), samples per insert 2, min size 20, buffer 100: wide enough for a batch and an episode of 10.
    private static SampleToInsertRatioLimiter Limiter(IReplayStore store) =>
        new(new RateLimiterSettings(2, 20, 100), store, WorkerParts.Spec.Learners[2].Batch, 10, "test", TimeSpan.FromMilliseconds(5));

    private static SamplerSettings Sampling(TimeSpan? retry = null) =>
        new(WorkerParts.Spec.Learners[2].Batch) { Seed = 1, Timeout = Slice, RetryDelay = retry ?? TimeSpan.FromMilliseconds(50) };

    private static readonly TimeSpan Slice = TimeSpan.FromSeconds(5);

    private static async Task<InMemoryReplayStore> StoreWith(int episodes)
    {
        var store = new InMemoryReplayStore(TestEpisodes.Options(100_000));
        for (int i = 0; i < episodes; i++) await store.AppendAsync(TestEpisodes.Make(i, 10));
        return store;
    }

    [Fact]
    public async Task A_step_reserves_a_batch_and_updates_the_agent()
    {
        await using var store = await StoreWith(20);
        using var agent = WorkerParts.Agent(layout: TestEpisodes.Layout);
        var limiter = Limiter(store);
        await using var loop = new LearnerStepLoop(store, limiter, Sampling(), Slice, default);
        Assert.True(loop.Step(agent, default));
        Assert.True(loop.Step(agent, default));
        Assert.Equal(2, agent.UpdateCount);
        Assert.Equal(2 * 32, limiter.Sampled);
        Assert.InRange(loop.DataWaitFraction, 0, 1);
    }

    [Fact]
    public async Task A_step_that_the_limiter_holds_back_returns_without_an_update()
    {
        await using var store = await StoreWith(1); // below the minimum size
        using var agent = WorkerParts.Agent(layout: TestEpisodes.Layout);
        await using var loop = new LearnerStepLoop(store, Limiter(store), Sampling(), TimeSpan.FromMilliseconds(200), default);
        Assert.False(loop.Step(agent, default));
        Assert.Equal(0, agent.UpdateCount);
        Assert.True(loop.PacedTime >= TimeSpan.FromMilliseconds(180), $"paced {loop.PacedTime}");
    }

    [Fact]
    public async Task Pacing_is_not_counted_as_waiting_for_data()
    {
        await using var store = await StoreWith(1); // the sampler has data at once, the limiter wants more
        using var agent = WorkerParts.Agent(layout: TestEpisodes.Layout);
        await using var loop = new LearnerStepLoop(store, Limiter(store), Sampling(), Slice, default);
        _ = Task.Delay(400).ContinueWith(_ => store.AppendAsync(TestEpisodes.Make(1, 10)).Wait());
        Assert.True(loop.Step(agent, default));
        Assert.True(loop.PacedTime >= TimeSpan.FromMilliseconds(300), $"paced {loop.PacedTime}");
        Assert.True(loop.DataWaitTime < TimeSpan.FromMilliseconds(150), $"waited for data {loop.DataWaitTime}");
        Assert.True(loop.SteppingTime >= loop.PacedTime);
    }

    [Fact]
    public async Task Waiting_for_the_samplers_minibatch_is_counted_as_data_wait()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(100_000));
        using var agent = WorkerParts.Agent(layout: TestEpisodes.Layout);
        // The sampler finds the store empty and looks again only after its retry delay; the limiter is satisfied long before.
        await using var loop = new LearnerStepLoop(store, Limiter(store), Sampling(retry: TimeSpan.FromMilliseconds(800)), Slice, default);
        await Task.Delay(100);
        for (int i = 0; i < 4; i++) await store.AppendAsync(TestEpisodes.Make(i, 10));
        Assert.True(loop.Step(agent, default));
        Assert.True(loop.DataWaitTime >= TimeSpan.FromMilliseconds(300), $"waited for data {loop.DataWaitTime}");
        Assert.True(loop.DataWaitFraction > 0.5, $"data wait fraction {loop.DataWaitFraction}");
    }
}
