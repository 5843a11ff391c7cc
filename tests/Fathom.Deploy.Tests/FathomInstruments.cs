using Fathom.Replay;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;
using Fathom.Grains.Telemetry;

namespace Fathom.Deploy.Tests;

/// <summary>Every instrument declared in <see cref="FathomTelemetry"/> and <see cref="ReplayTelemetry"/>, and a way to give each one a measurement.</summary>
public static class FathomInstruments
{
    public static IReadOnlyList<Instrument> All { get; } = new[] { typeof(FathomTelemetry), typeof(ReplayTelemetry) }
        .SelectMany(t => t.GetFields(BindingFlags.Public | BindingFlags.Static))
        .Where(f => typeof(Instrument).IsAssignableFrom(f.FieldType))
        .Select(f => (Instrument)f.GetValue(null)!)
        .ToList();

    /// <summary>One measurement with every bounded label, so that an exporter has something to render for it.</summary>
    public static void RecordOnce(Instrument instrument)
    {
        var tags = new TagList
        {
            { FathomTelemetry.Tags.Run, "deploy-test" },
            { FathomTelemetry.Tags.Role, "learner" },
            { FathomTelemetry.Tags.Learner, "depth-4" },
            { FathomTelemetry.Tags.Shard, "0" },
            { FathomTelemetry.Tags.Device, "cpu" },
        };
        switch (instrument)
        {
            case Counter<long> c: c.Add(1, tags); break;
            case Counter<double> c: c.Add(0.5, tags); break;
            case UpDownCounter<long> c: c.Add(1, tags); break;
            case UpDownCounter<double> c: c.Add(0.5, tags); break;
            case Gauge<long> g: g.Record(1, tags); break;
            case Gauge<double> g: g.Record(0.5, tags); break;
            case Histogram<long> h: h.Record(1024, tags); break;
            case Histogram<double> h: h.Record(0.01, tags); break;
            default:
                throw new NotSupportedException($"instrument {instrument.Name} is a {instrument.GetType().Name}: teach FathomInstruments.RecordOnce to record it");
        }
    }
}
