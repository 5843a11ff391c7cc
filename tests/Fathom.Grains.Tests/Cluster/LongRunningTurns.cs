using System.Diagnostics.Metrics;

namespace Fathom.Grains.Tests.Cluster;

/// <summary>
/// Counts Orleans' "orleans-scheduler-long-running-turns" (meter Microsoft.Orleans) in this process: every silo of
/// an in-process test cluster reports here. A hot loop on the grain scheduler would show up as a non-zero count.
/// </summary>
public sealed class LongRunningTurns : IDisposable
{
    public const string Instrument = "orleans-scheduler-long-running-turns";
    private readonly MeterListener _listener = new();
    private long _count;

    public LongRunningTurns()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name != "Microsoft.Orleans" || instrument.Name != Instrument) return;
            InstrumentSeen = true;
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref _count, value));
        _listener.SetMeasurementEventCallback<int>((_, value, _, _) => Interlocked.Add(ref _count, value));
        _listener.Start();
    }

    /// <summary>True once the instrument exists (so a zero count means "measured and none", not "never measured").</summary>
    public bool InstrumentSeen { get; private set; }

    public long Count
    {
        get
        {
            _listener.RecordObservableInstruments();
            return Interlocked.Read(ref _count);
        }
    }

    public void Dispose() => _listener.Dispose();
}
