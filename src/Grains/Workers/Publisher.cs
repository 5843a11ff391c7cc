using System.Diagnostics;
using Fathom.Grains.Stores;
using Fathom.Grains.Telemetry;
using Fathom.Learner;
using Fathom.Learner.Crl;

namespace Fathom.Grains.Workers;

/// <summary>
/// A behaviour learner's publisher: exports its actor and publishes it as the next version for the collectors'
/// variable clients, at most once per <paramref name="period"/> while it trains. Versions go on from the newest one in
/// the store, so a restarted learner never publishes a version collectors already hold.
/// </summary>
public sealed class Publisher(WeightStore weights, string run, string learner, TimeSpan period, TagList tags)
{
    private readonly Stopwatch _sincePublish = new();
    private long _version = -1;

    /// <summary>The last version published (0: none yet).</summary>
    public long Version => Math.Max(0, _version);

    /// <summary>Publishes when <paramref name="period"/> has passed since the last one; true if it did.</summary>
    public bool PublishIfDue(IGoalAgent agent, CancellationToken cancellation)
    {
        if (_sincePublish.IsRunning && _sincePublish.Elapsed < period) return false;
        Publish(agent, cancellation);
        return true;
    }

    /// <summary>Publishes <paramref name="agent"/>'s actor as the next version now.</summary>
    public void Publish(IGoalAgent agent, CancellationToken cancellation)
    {
        if (_version < 0) _version = WorkerThread.Wait(weights.LatestVersion(run, learner, cancellation));
        using var span = FathomTelemetry.Source.StartActivity(FathomTelemetry.Spans.WeightsPublish);
        var started = Stopwatch.GetTimestamp();
        var blob = agent.ExportActor();
        var version = _version + 1;
        WorkerThread.Wait(weights.Publish(run, learner, version, blob, cancellation));
        _version = version;
        _sincePublish.Restart();
        FathomTelemetry.WeightsPublishBytes.Record(blob.Length, tags);
        FathomTelemetry.WeightsPublishDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        FathomTelemetry.PolicyVersion.Record(version, tags);
    }
}
