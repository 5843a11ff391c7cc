using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Fathom.Grains.Telemetry;

/// <summary>
/// The one home of Fathom's telemetry names: the activity source, the meter and every instrument.
/// Labels are bounded: run, role, learner, shard, device (see <see cref="Tags"/>); never grain ids.
/// The Grafana dashboard in deploy/grafana queries exactly these names (as Prometheus renders them).
/// </summary>
public static class FathomTelemetry
{
    public const string Name = "Fathom";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    /// <summary>Span names, one per unit of work worth tracing.</summary>
    public static class Spans
    {
        public const string CollectChunk = "fathom.collect.chunk";
        public const string ReplayAppend = "fathom.replay.append";
        /// <summary>Taking a minibatch from the sampler (a child of the update that uses it).</summary>
        public const string ReplaySample = "fathom.replay.sample";
        /// <summary>Reading episodes from the shards (the sampler's background prefetch; its own trace).</summary>
        public const string ReplayFetch = "fathom.replay.fetch";
        public const string LearnerUpdate = "fathom.learner.update";
        public const string WeightsPublish = "fathom.weights.publish";
        public const string Evaluation = "fathom.evaluation";
        /// <summary>
        /// A replay shard's round trip on the store's own connections (client spans, named after their commands as Redis
        /// instrumentation names its spans): an append batch's SET NX commands and index script.
        /// </summary>
        public const string ReplayStoreAndIndex = "SET+EVAL";
        /// <summary>A fetch's pipelined GETs on the store's own connections.</summary>
        public const string ReplayGet = "GET";
    }

    /// <summary>The only label keys Fathom puts on metrics.</summary>
    public static class Tags
    {
        public const string Run = "run";
        public const string Role = "role";
        public const string Learner = "learner";
        public const string Shard = "shard";
        /// <summary>The resolved device of a learner or collector: cpu or cuda:N (bounded by the GPUs of a silo).</summary>
        public const string Device = "device";
    }

    // Collection
    public static readonly Counter<long> EnvSteps = Meter.CreateCounter<long>("fathom.env.steps", "{step}", "Environment steps collected.");
    public static readonly Counter<long> Episodes = Meter.CreateCounter<long>("fathom.episodes", "{episode}", "Finished episodes written to replay.");

    // Replay
    public static readonly Gauge<long> ReplaySize = Meter.CreateGauge<long>("fathom.replay.size", "{transition}", "Transitions held per shard.");
    public static readonly Gauge<double> ReplayFill = Meter.CreateGauge<double>("fathom.replay.fill", "1", "Fraction of shard capacity in use.");
    public static readonly Counter<long> ReplayInserted = Meter.CreateCounter<long>("fathom.replay.inserted", "{transition}", "Transitions appended to replay.");
    public static readonly Counter<long> ReplaySampled = Meter.CreateCounter<long>("fathom.replay.sampled", "{transition}", "Transitions sampled from replay.");
    public static readonly Histogram<long> ReplayBatchEpisodes = Meter.CreateHistogram<long>(
        "fathom.replay.batch_episodes", "{episode}", "Distinct episodes the rows of a sampled minibatch come from.",
        tags: null, advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096] });
    public static readonly Counter<long> ReplayOomRetries = Meter.CreateCounter<long>("fathom.replay.oom_retries", "{append}", "Appends a replay shard refused as out of memory (maxmemory), retried after a back-off.");
    public static readonly Counter<long> ReplayRejected = Meter.CreateCounter<long>("fathom.replay.rejected", "{blob}", "Stored blobs rejected as malformed or corrupted.");

    // Rate limiting
    public static readonly Gauge<double> SamplesPerInsert = Meter.CreateGauge<double>("fathom.ratelimiter.samples_per_insert", "1", "Measured sampled transitions per inserted transition.");
    public static readonly Gauge<double> SamplesPerInsertTarget = Meter.CreateGauge<double>("fathom.ratelimiter.samples_per_insert_target", "1", "Configured samples-per-insert target.");
    public static readonly Counter<double> RateLimiterBlocked = Meter.CreateCounter<double>("fathom.ratelimiter.blocked", "s", "Time a learner waited on the rate limiter.");

    // Learning
    public static readonly Counter<long> Updates = Meter.CreateCounter<long>("fathom.learner.updates", "{update}", "SGD updates applied.");
    public static readonly Counter<long> SkippedUpdates = Meter.CreateCounter<long>("fathom.learner.skipped_updates", "{update}", "Updates skipped for a non-finite loss or gradient.");
    public static readonly Gauge<double> CriticLoss = Meter.CreateGauge<double>("fathom.learner.critic_loss", "1", "Latest critic (InfoNCE) loss.");
    public static readonly Gauge<double> ActorLoss = Meter.CreateGauge<double>("fathom.learner.actor_loss", "1", "Latest actor loss.");
    public static readonly Gauge<double> Accuracy = Meter.CreateGauge<double>("fathom.learner.accuracy", "1", "Latest in-batch categorical accuracy of the critic.");
    public static readonly Gauge<double> Alpha = Meter.CreateGauge<double>("fathom.learner.alpha", "1", "Latest entropy temperature.");
    public static readonly Gauge<double> TimeAtGoal = Meter.CreateGauge<double>("fathom.eval.time_at_goal", "{step}", "Latest evaluation: mean steps at goal per episode.");
    public static readonly Gauge<double> SuccessAny = Meter.CreateGauge<double>("fathom.eval.success_any", "1", "Latest evaluation: fraction of episodes that reached the goal.");

    // Weights
    public static readonly Gauge<long> PolicyVersion = Meter.CreateGauge<long>("fathom.policy.version", "{version}", "Behaviour policy version (published by learners, used by collectors).");
    public static readonly Gauge<long> PolicyLag = Meter.CreateGauge<long>("fathom.policy.lag", "{version}", "Published behaviour version minus the version a collector acts with.");
    public static readonly Histogram<long> WeightsPublishBytes = Meter.CreateHistogram<long>("fathom.weights.publish_size", "By", "Size of a published actor weight blob.");
    public static readonly Histogram<double> WeightsPublishDuration = Meter.CreateHistogram<double>("fathom.weights.publish_duration", "s", "Time to publish actor weights.");

    // Redis (the StackExchange.Redis instrumentation emits spans only; RedisCommandLatency turns them into this histogram)
    public static readonly Histogram<double> RedisCommandDuration = Meter.CreateHistogram<double>(
        "fathom.redis.command_duration", "s", "Duration of Redis commands, from the StackExchange.Redis instrumentation's spans.",
        tags: null, advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
}
