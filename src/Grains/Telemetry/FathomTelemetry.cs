using System.Diagnostics;
using System.Diagnostics.Metrics;
using Fathom.Replay;

namespace Fathom.Grains.Telemetry;

/// <summary>
/// The one home of Fathom's telemetry names: the activity source, the meter and every instrument, except the
/// replay store's, which live beside it in <see cref="ReplayTelemetry"/> (same source and meter name).
/// Labels are bounded: run, role, learner, shard, device (see <see cref="Tags"/>); never grain ids.
/// The Grafana dashboard in deploy/grafana queries exactly these names (as Prometheus renders them).
/// </summary>
public static class FathomTelemetry
{
    public const string Name = ReplayTelemetry.Name;

    /// <summary>The one activity source and meter of Fathom, created by the replay assembly, which is below this one.</summary>
    public static readonly ActivitySource Source = ReplayTelemetry.Source;
    public static readonly Meter Meter = ReplayTelemetry.Meter;

    /// <summary>Span names, one per unit of work worth tracing.</summary>
    public static class Spans
    {
        public const string CollectChunk = "fathom.collect.chunk";
        public const string LearnerUpdate = "fathom.learner.update";
        public const string WeightsPublish = "fathom.weights.publish";
        public const string Evaluation = "fathom.evaluation";
    }

    /// <summary>The only label keys Fathom puts on metrics.</summary>
    public static class Tags
    {
        public const string Run = ReplayTelemetry.Tags.Run;
        public const string Role = "role";
        public const string Learner = ReplayTelemetry.Tags.Learner;
        public const string Shard = ReplayTelemetry.Tags.Shard;
        /// <summary>The resolved device of a learner or collector: cpu or cuda:N (bounded by the GPUs of a silo).</summary>
        public const string Device = "device";
    }

    // Collection
    public static readonly Counter<long> EnvSteps = Meter.CreateCounter<long>("fathom.env.steps", "{step}", "Environment steps collected.");
    public static readonly Counter<long> Episodes = Meter.CreateCounter<long>("fathom.episodes", "{episode}", "Finished episodes written to replay.");

    // Learning
    public static readonly Counter<long> Updates = Meter.CreateCounter<long>("fathom.learner.updates", "{update}", "SGD updates applied.");
    public static readonly Counter<long> SkippedUpdates = Meter.CreateCounter<long>("fathom.learner.skipped_updates", "{update}", "Updates skipped for a non-finite loss or gradient.");
    public static readonly Gauge<double> CriticLoss = Meter.CreateGauge<double>("fathom.learner.critic_loss", "1", "Latest critic (InfoNCE) loss.");
    public static readonly Gauge<double> ActorLoss = Meter.CreateGauge<double>("fathom.learner.actor_loss", "1", "Latest actor loss.");
    public static readonly Gauge<double> Accuracy = Meter.CreateGauge<double>("fathom.learner.accuracy", "1", "Latest in-batch categorical accuracy of the critic.");
    public static readonly Gauge<double> DataWaitFraction = Meter.CreateGauge<double>("fathom.learner.data_wait_fraction", "1",
        "Share of a learner's stepping time, the rate limiter's pacing left out, spent waiting for a minibatch.");
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
