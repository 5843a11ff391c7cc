namespace Fathom.Replay;

/// <summary>
/// Samples-per-insert control as DeepMind Reverb's SampleToInsertRatio, counted in transitions: a learner may
/// sample once the store holds <see cref="MinSizeToSample"/> transitions, keeping
/// inserted*SamplesPerInsert - sampled within ±<see cref="ErrorBuffer"/> of SamplesPerInsert*MinSizeToSample.
/// The one pacing rule of a run: learners ask <see cref="AllowsSample"/> (<see cref="SampleToInsertRatioLimiter"/>),
/// collectors ask <see cref="AllowsInsert"/> of every live learner (<see cref="InsertRateLimiter"/>).
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
    /// Reverb's CanSample: whether a learner that has sampled <paramref name="sampled"/> of <paramref name="inserted"/>
    /// transitions (store holding <paramref name="size"/>) may take one more batch of <paramref name="batchSize"/>.
    /// </summary>
    public bool AllowsSample(long size, long inserted, long sampled, int batchSize) =>
        size >= MinSizeToSample && inserted * SamplesPerInsert - (sampled + batchSize) >= MinDiff;

    /// <summary>
    /// Reverb's CanInsert for <paramref name="transitions"/> more: when the insert keeps inserted*SamplesPerInsert -
    /// sampled at most <see cref="MaxDiff"/>, or when that learner cannot sample at all (below the minimum size, or at the
    /// floor of its band). The second clause lets an insert wider than the band (a collector's whole chunk of N episodes)
    /// in once the learner has used what it had, so neither side waits for the other forever, and collection runs at
    /// most that one insert ahead of the learner.
    /// </summary>
    public bool AllowsInsert(long size, long inserted, long sampled, long transitions, int batchSize) =>
        (inserted + transitions) * SamplesPerInsert - sampled <= MaxDiff || !AllowsSample(size, inserted, sampled, batchSize);

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
