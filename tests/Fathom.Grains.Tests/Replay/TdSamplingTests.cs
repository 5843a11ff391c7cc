using Fathom.Replay;

namespace Fathom.Grains.Tests.Replay;

/// <summary>What a TD learner's sampler adds: each row's next state, and HER goals (future or final) from the row's own episode.</summary>
public class TdSamplingTests
{
    [Theory]
    [InlineData(0.0)]
    [InlineData(0.5)]
    public async Task RowsCarryTheirNextStateAndAGoalLaterInTheSameEpisode(double finalFraction)
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(100_000), shardCount: 2);
        var episodes = Enumerable.Range(0, 40).Select(n => TestEpisodes.Make(n, 8 + n % 7)).ToList();
        foreach (var e in episodes) await store.AppendAsync(e);
        await using var sampler = new ReplaySampler(store, new SamplerSettings(32) { Seed = 3, NextStates = true, FinalGoalFraction = finalFraction });
        int rows = 0, finals = 0;
        for (int b = 0; b < 20; b++)
        {
            var batch = await sampler.NextAsync();
            Assert.Equal(32 * 4, batch.NextStates.Length);
            for (int row = 0; row < 32; row++, rows++)
            {
                var source = episodes[(int)batch.States[row * 4]];
                int t = (int)batch.States[row * 4 + 1];
                Assert.InRange(t, 0, source.Length - 1);
                Assert.Equal(source.States.AsSpan((t + 1) * 4, 4).ToArray(), batch.NextStates.AsSpan(row * 4, 4).ToArray());
                // The goal slice is (episode, step) of the state it was taken from.
                Assert.Equal(source.Sequence, (long)batch.Goals[row * 2]);
                int goalStep = (int)batch.Goals[row * 2 + 1];
                Assert.InRange(goalStep, t + 1, source.Length);
                if (goalStep == source.Length) finals++;
            }
        }
        double share = finals / (double)rows;
        if (finalFraction == 0) Assert.InRange(share, 0.05, 0.45); // short episodes: the future offset often reaches T
        else Assert.InRange(share, 0.5, 0.85);
    }

    [Fact]
    public async Task WithoutNextStatesABatchCarriesNone()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(1_000));
        await store.AppendAsync(TestEpisodes.Make(0, 10));
        await using var sampler = new ReplaySampler(store, new SamplerSettings(4) { Seed = 1 });
        Assert.Empty((await sampler.NextAsync()).NextStates);
    }

    [Fact]
    public async Task ANextStateReadPastTheEpisodeIsRefused()
    {
        await using var store = new InMemoryReplayStore(TestEpisodes.Options(1_000));
        await store.AppendAsync(TestEpisodes.Make(0, 10));
        var episode = (await store.ListAsync()).Episodes[0];
        var error = await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => store.ReadRowsAsync([new RowRequest(episode, 10, 10, WithNext: true)]));
        Assert.Contains("Step < Length=10", error.Message);
        var reads = await store.ReadRowsAsync([new RowRequest(episode, 9, 10, WithNext: true)]);
        Assert.NotNull(reads.Rows[0]);
    }

    [Fact]
    public void AFinalGoalFractionOutsideZeroToOneIsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new SamplerSettings(8) { FinalGoalFraction = 1.2 });
        Assert.Contains("[0, 1]", error.Message);
    }
}
