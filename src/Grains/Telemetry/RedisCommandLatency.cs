using System.Diagnostics;

namespace Fathom.Grains.Telemetry;

/// <summary>
/// Redis latency as a metric. The StackExchange.Redis instrumentation emits one span per command but no metric, so
/// a Prometheus scrape would not see Redis latency; this listener records the duration of each of those spans into
/// <see cref="FathomTelemetry.RedisCommandDuration"/>. The host starts it once, beside tracing's
/// <c>AddRedisInstrumentation</c> (which is what makes the spans exist), and disposes it on shutdown.
/// </summary>
public static class RedisCommandLatency
{
    /// <summary>The ActivitySource name of OpenTelemetry.Instrumentation.StackExchangeRedis.</summary>
    public const string InstrumentationSource = "OpenTelemetry.Instrumentation.StackExchangeRedis";

    /// <summary>Starts recording; the returned listener stops it when disposed.</summary>
    public static IDisposable Start()
    {
        var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == InstrumentationSource,
            // The least that makes the span exist: the tracing sampler alone decides whether it is exported.
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            ActivityStopped = activity => FathomTelemetry.RedisCommandDuration.Record(activity.Duration.TotalSeconds),
        };
        ActivitySource.AddActivityListener(listener);
        return listener;
    }
}
