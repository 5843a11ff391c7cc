using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Fathom.Grains.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace Fathom.Deploy.Tests;

/// <summary>Redis latency reaches the metrics: spans of the StackExchange.Redis instrumentation become histogram measurements.</summary>
public class RedisCommandLatencyTests
{
    [ToolFact("redis-server")]
    public async Task Redis_commands_are_recorded_as_durations()
    {
        using var redis = await RedisServer.StartAsync();
        using var multiplexer = await ConnectionMultiplexer.ConnectAsync(redis.Endpoint);
        using var tracing = Sdk.CreateTracerProviderBuilder()
            .AddRedisInstrumentation(multiplexer, o => o.FlushInterval = TimeSpan.FromSeconds(1))
            .Build();

        var durations = new ConcurrentBag<double>();
        // Read the field before listening: touching FathomTelemetry inside InstrumentPublished would run its static
        // constructor there, and the publication of its own instruments would see the field still unset.
        var redisDuration = FathomTelemetry.RedisCommandDuration;
        using var meterListener = new MeterListener();
        meterListener.InstrumentPublished = (instrument, listener) =>
        {
            if (ReferenceEquals(instrument, redisDuration))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        meterListener.SetMeasurementEventCallback<double>((_, value, _, _) => durations.Add(value));
        meterListener.Start();

        using (RedisCommandLatency.Start())
        {
            var database = multiplexer.GetDatabase();
            for (var i = 0; i < 10; i++)
            {
                await database.StringSetAsync($"latency-{i}", i);
            }
            var deadline = DateTime.UtcNow.AddSeconds(20);
            while (durations.Count < 10 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }

        Assert.True(durations.Count >= 10, $"expected a duration per Redis command, got {durations.Count}");
        Assert.All(durations, d => Assert.InRange(d, 0.0, 5.0));
    }
}
