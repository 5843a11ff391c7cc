namespace Fathom.Replay;

/// <summary>
/// Samples-per-insert control as DeepMind Reverb's SampleToInsertRatio, counted in transitions: a learner may
/// sample once the store holds <see cref="MinSizeToSample"/> transitions, keeping
/// inserted*SamplesPerInsert - sampled within ±<see cref="ErrorBuffer"/> of SamplesPerInsert*MinSizeToSample.
/// </summary>
public sealed record RateLimiterSettings
{
    public RateLimiterSettings(double samplesPerInsert, long minSizeToSample, double errorBuffer)
    {
        if (!(samplesPerInsert > 0) || double.IsInfinity(samplesPerInsert))
            throw new ArgumentOutOfRangeException(nameof(samplesPerInsert), samplesPerInsert, "SamplesPerInsert must be a positive finite number.");
        if (minSizeToSample < 1)
            throw new ArgumentOutOfRangeException(nameof(minSizeToSample), minSizeToSample, "MinSizeToSample must be at least 1 transition.");
        if (!(errorBuffer > 0) || double.IsInfinity(errorBuffer))
            throw new ArgumentOutOfRangeException(nameof(errorBuffer), errorBuffer, "ErrorBuffer must be a positive finite number.");
        SamplesPerInsert = samplesPerInsert;
        MinSizeToSample = minSizeToSample;
        ErrorBuffer = errorBuffer;
    }

    /// <summary>Target sampled transitions per inserted transition (crl-spec: about 6.5 at batch 256).</summary>
    public double SamplesPerInsert { get; }

    /// <summary>Transitions the store must hold before the first sample.</summary>
    public long MinSizeToSample { get; }

    /// <summary>Allowed deviation of inserted*SamplesPerInsert - sampled from its target, in sampled transitions.</summary>
    public double ErrorBuffer { get; }

    /// <summary>Lowest allowed inserted*SamplesPerInsert - sampled.</summary>
    public double MinDiff => SamplesPerInsert * MinSizeToSample - ErrorBuffer;

    /// <summary>Highest allowed inserted*SamplesPerInsert - sampled.</summary>
    public double MaxDiff => SamplesPerInsert * MinSizeToSample + ErrorBuffer;

    /// <summary>
    /// Refuses settings under which sampling could never start or a sampler and an inserter could both wait
    /// forever: a sample moves the difference down by a batch, an insert up by SamplesPerInsert*episode length,
    /// so the band [MinDiff, MaxDiff] must be at least that wide, and the store must be able to reach MinSizeToSample.
    /// </summary>
    public void CheckNoDeadlock(long storeCapacity, int batchSize, int episodeLength)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "BatchSize must be at least 1.");
        if (episodeLength < 1) throw new ArgumentOutOfRangeException(nameof(episodeLength), episodeLength, "EpisodeLength must be at least 1.");
        if (MinSizeToSample > storeCapacity)
            throw new ArgumentException($"MinSizeToSample ({MinSizeToSample}) exceeds the store capacity ({storeCapacity} transitions): sampling would never start.", nameof(storeCapacity));
        double needed = (batchSize + SamplesPerInsert * episodeLength) / 2.0;
        if (ErrorBuffer < needed)
            throw new ArgumentException(
                $"ErrorBuffer ({ErrorBuffer}) must be at least (BatchSize + SamplesPerInsert*EpisodeLength)/2 = ({batchSize} + {SamplesPerInsert}*{episodeLength})/2 = {needed}: " +
                "otherwise a learner waiting to sample and a collector waiting to insert could block each other forever.", nameof(ErrorBuffer));
    }
}
