using Fathom.Learner.Crl;
using Fathom.Learner.Td;

namespace Fathom.Replay;

/// <summary>How a <see cref="ReplaySampler"/> reads the store; validated on construction.</summary>
public sealed record SamplerSettings
{
    public SamplerSettings(int batchSize)
    {
        if (batchSize is < 1 or > 1 << 20) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "BatchSize must be in [1, 2^20].");
        BatchSize = batchSize;
        EpisodesPerBatch = batchSize;
    }

    /// <summary>B: transitions per minibatch.</summary>
    public int BatchSize { get; }

    /// <summary>
    /// Distinct episodes in one minibatch, in [1, B]. B (the default) gives every row its own episode, as the paper's
    /// batches are drawn; B/k gives each episode k rows (an ablation: more in-batch negatives from a row's own episode).
    /// </summary>
    public int EpisodesPerBatch { get; init => field = Check(value, 1, BatchSize, nameof(EpisodesPerBatch)); }

    /// <summary>Batches being read at once (independent prefetch loops), hiding each other's round trips.</summary>
    public int ConcurrentFetches { get; init => field = Check(value, 1, 64, nameof(ConcurrentFetches)); } = 2;

    /// <summary>How long a read of the store's index is reused, so that a batch is usually one round trip per shard.
    /// New episodes become visible to sampling within this time.</summary>
    public TimeSpan IndexRefreshInterval { get; init => field = value >= TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(IndexRefreshInterval), value, "IndexRefreshInterval must not be negative."); } = TimeSpan.FromMilliseconds(100);

    /// <summary>Minibatches kept ready ahead of the learner (the bounded prefetch channel).</summary>
    public int PrefetchDepth { get; init => field = Check(value, 1, 1024, nameof(PrefetchDepth)); } = 4;

    /// <summary>Discount of the geometric goal offset law (the learner passes its spec's gamma; default the paper's, from CrlConfig).</summary>
    public double Gamma { get { return field; } init { HindsightGoal.CheckGamma(value); field = value; } } = CrlConfig.Defaults.Gamma;

    /// <summary>Whether each row also carries the state after its action, s_{t+1} (what a TD learner's target needs).</summary>
    public bool NextStates { get; init; }

    /// <summary>Fraction of rows whose goal is their episode's final state instead of a future state at a geometric offset (HerGoal); 0 for CRL.</summary>
    public double FinalGoalFraction { get { return field; } init { HerGoal.CheckFraction(value); field = value; } }

    /// <summary>Longest a learner waits in <see cref="ReplaySampler.NextAsync"/> before a <see cref="TimeoutException"/>.</summary>
    public TimeSpan Timeout { get; init => field = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(Timeout), value, "Timeout must be positive."); } = TimeSpan.FromSeconds(30);

    /// <summary>Pause of the prefetcher after an empty store or a failed read.</summary>
    public TimeSpan RetryDelay { get; init => field = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(RetryDelay), value, "RetryDelay must be positive."); } = TimeSpan.FromMilliseconds(50);

    /// <summary>Seed of the sampler's random streams (loop i uses Seed+i); null for random seeds. With one concurrent fetch the batch sequence is reproducible.</summary>
    public int? Seed { get; init; }

    private static int Check(int value, int min, int max, string name)
        => value >= min && value <= max ? value : throw new ArgumentOutOfRangeException(name, value, $"{name} must be in [{min}, {max}].");
}
