using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Fathom.Replay;

/// <summary>
/// The replay store's telemetry names: its spans and instruments, under the same source and meter name as the rest
/// of Fathom ("Fathom"), so that exporters and the Grafana dashboard see one namespace. Labels: run, learner, shard.
/// </summary>
public static class ReplayTelemetry
{
    public const string Name = "Fathom";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    /// <summary>Span names of replay work.</summary>
    public static class Spans
    {
        public const string ReplayAppend = "fathom.replay.append";
        /// <summary>Taking a minibatch from the sampler (a child of the update that uses it).</summary>
        public const string ReplaySample = "fathom.replay.sample";
        /// <summary>Reading whole episodes from the shards.</summary>
        public const string ReplayFetch = "fathom.replay.fetch";
        /// <summary>
        /// A replay shard's round trip for an append (a client span, named after its commands as Redis instrumentation
        /// names its spans): a batch's SET NX commands and index script, pipelined.
        /// </summary>
        public const string ReplayStoreAndIndex = "SET+EVAL";
        /// <summary>Reading the row records of a batch by range (the sampler's background work; its own trace).</summary>
        public const string ReplayReadRows = "fathom.replay.read_rows";
    }

    /// <summary>The label keys replay metrics carry (a subset of Fathom's).</summary>
    public static class Tags
    {
        public const string Run = "run";
        public const string Learner = "learner";
        public const string Shard = "shard";
    }

    public static readonly Gauge<long> ReplaySize = Meter.CreateGauge<long>("fathom.replay.size", "{transition}", "Transitions held per shard.");
    public static readonly Gauge<double> ReplayFill = Meter.CreateGauge<double>("fathom.replay.fill", "1", "Fraction of shard capacity in use.");
    public static readonly Counter<long> ReplayInserted = Meter.CreateCounter<long>("fathom.replay.inserted", "{transition}", "Transitions appended to replay.");
    public static readonly Counter<long> ReplaySampled = Meter.CreateCounter<long>("fathom.replay.sampled", "{transition}", "Transitions sampled from replay.");
    public static readonly Histogram<long> ReplayBatchEpisodes = Meter.CreateHistogram<long>(
        "fathom.replay.batch_episodes", "{episode}", "Distinct episodes the rows of a sampled minibatch come from.",
        tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096] });
    public static readonly Counter<long> ReplayOomRetries = Meter.CreateCounter<long>("fathom.replay.oom_retries", "{append}", "Appends a replay shard refused as out of memory (maxmemory), retried after a back-off.");
    public static readonly Counter<long> ReplayRejected = Meter.CreateCounter<long>("fathom.replay.rejected", "{blob}", "Stored blobs or row records rejected as malformed or corrupted.");

    // Rate limiting
    public static readonly Gauge<double> SamplesPerInsert = Meter.CreateGauge<double>("fathom.ratelimiter.samples_per_insert", "1", "Measured sampled transitions per inserted transition.");
    public static readonly Gauge<double> SamplesPerInsertTarget = Meter.CreateGauge<double>("fathom.ratelimiter.samples_per_insert_target", "1", "Configured samples-per-insert target.");
    public static readonly Counter<double> RateLimiterBlocked = Meter.CreateCounter<double>("fathom.ratelimiter.blocked", "s", "Time a learner waited on the rate limiter.");
}
