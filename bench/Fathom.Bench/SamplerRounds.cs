using System.Diagnostics;
using Fathom.Replay;

namespace Fathom.Bench;

/// <summary>What the replay benchmarks share: random episodes of a layout, and one timed round of a sampler.</summary>
public static class SamplerRounds
{
    /// <summary>What one sampler delivered in a round: batches, seconds, and the sums of their source bytes and distinct episodes.</summary>
    public readonly record struct Delivered(long Batches, double Seconds, long SourceBytes, long DistinctEpisodes)
    {
        public double UpdatesPerS => Batches / Seconds;
        public double SourceBytesPerBatch => SourceBytes / (double)Batches;
        public double DistinctEpisodesPerBatch => DistinctEpisodes / (double)Batches;
    }

    /// <summary>
    /// Pulls batches as fast as they come for 1 s unmeasured, then for <paramref name="duration"/>, measured;
    /// <paramref name="onStart"/> runs between the two (e.g. to read a server counter).
    /// </summary>
    public static async Task<Delivered> DrainAsync(ReplaySampler sampler, TimeSpan duration, Func<Task>? onStart = null)
    {
        for (var warming = Stopwatch.StartNew(); warming.Elapsed < TimeSpan.FromSeconds(1);) await sampler.NextAsync();
        if (onStart is not null) await onStart();
        long batches = 0, bytes = 0, distinct = 0;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < duration)
        {
            var batch = await sampler.NextAsync();
            batches++;
            bytes += batch.SourceBytes;
            distinct += batch.DistinctEpisodes;
        }
        return new Delivered(batches, clock.Elapsed.TotalSeconds, bytes, distinct);
    }

    /// <summary>An episode of uniform random states in [0, 10) and actions in [-1, 1), named bench#<paramref name="number"/>.</summary>
    public static Episode RandomEpisode(EpisodeLayout layout, int length, Random random, int number)
    {
        var states = new float[(length + 1) * layout.StateDim];
        var actions = new float[length * layout.ActionDim];
        for (int i = 0; i < states.Length; i++) states[i] = random.NextSingle() * 10;
        for (int i = 0; i < actions.Length; i++) actions[i] = random.NextSingle() * 2 - 1;
        return new Episode(layout, length, states, actions, "bench", policyVersion: 0, sequence: number);
    }
}
