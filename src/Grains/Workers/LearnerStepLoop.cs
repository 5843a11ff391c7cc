using System.Diagnostics;
using Fathom.Grains.Telemetry;
using Fathom.Learner;
using Fathom.Learner.Crl;
using Fathom.Replay;
using TorchSharp;

namespace Fathom.Grains.Workers;

/// <summary>
/// A learner's step loop: wait on the samples-per-insert limiter (deliberate pacing), take the sampler's prefetched
/// minibatch (waiting for data when prefetching falls behind), update the agent. It keeps apart the two waits:
/// <see cref="DataWaitFraction"/> is the share of its stepping time, pacing left out, spent waiting for a minibatch.
/// It owns the sampler, whose prefetch loops start at once and end when this loop is disposed.
/// </summary>
public sealed class LearnerStepLoop : IAsyncDisposable
{
    private readonly SampleToInsertRatioLimiter _limiter;
    private readonly ReplaySampler _sampler;
    private readonly TimeSpan _waitSlice;
    private readonly TagList _tags;
    private long _steppingTicks;

    /// <param name="sampling">The sampler's settings; its timeout bounds one wait for data.</param>
    /// <param name="waitSlice">Longest one wait on the limiter, so that the caller looks at its stop token again.</param>
    public LearnerStepLoop(IReplayStore store, SampleToInsertRatioLimiter limiter, SamplerSettings sampling, TimeSpan waitSlice, TagList tags)
    {
        _limiter = limiter;
        _waitSlice = waitSlice;
        _tags = tags;
        _sampler = new ReplaySampler(store, sampling);
    }

    /// <summary>The limiter, whose counts (sampled, inserted) a resumed or draining learner reads.</summary>
    public SampleToInsertRatioLimiter Limiter => _limiter;

    /// <summary>Time spent in <see cref="Step"/>: pacing, waiting for data and updating.</summary>
    public TimeSpan SteppingTime => TimeSpan.FromTicks(Interlocked.Read(ref _steppingTicks));

    /// <summary>Time the limiter held the learner back (deliberate: the samples-per-insert ratio).</summary>
    public TimeSpan PacedTime => _limiter.BlockedTime;

    /// <summary>Time the learner waited for the sampler's minibatch.</summary>
    public TimeSpan DataWaitTime => _sampler.WaitedForData;

    /// <summary>Data wait over stepping time without pacing: 0 when prefetching always kept a batch ready.</summary>
    public double DataWaitFraction
    {
        get
        {
            var working = SteppingTime - PacedTime;
            return working > TimeSpan.Zero ? Math.Clamp(DataWaitTime / working, 0, 1) : 0;
        }
    }

    /// <summary>
    /// One step on the calling thread (the one that owns the agent's tensors): true after an update, false when the
    /// limiter or the sampler gave nothing within the wait slice (collectors paused, or collection has ended).
    /// </summary>
    public bool Step(IGoalAgent agent, CancellationToken stop)
    {
        long start = Stopwatch.GetTimestamp();
        // One update's trace: the wait on the limiter, the minibatch taken (sample span) and the SGD step.
        using var span = FathomTelemetry.Source.StartActivity(FathomTelemetry.Spans.LearnerUpdate);
        try
        {
            Minibatch batch;
            try
            {
                WorkerThread.Wait(_limiter.WaitToSampleAsync(_waitSlice, stop));
                batch = WorkerThread.Wait(_sampler.NextAsync(stop));
            }
            catch (TimeoutException)
            {
                span?.SetTag("fathom.minibatch", "none within the wait");
                return false;
            }
            Update(agent, batch);
            return true;
        }
        finally
        {
            Interlocked.Add(ref _steppingTicks, Stopwatch.GetElapsedTime(start).Ticks);
        }
    }

    private void Update(IGoalAgent agent, Minibatch batch)
    {
        using var scope = torch.NewDisposeScope();
        // The agent copies the rows into tensors it reuses and moves them to its device.
        var metrics = agent.Update(batch.States, batch.Actions, batch.NextStates, batch.Goals);
        if (metrics.Skipped)
        {
            FathomTelemetry.SkippedUpdates.Add(1, _tags);
            return;
        }
        FathomTelemetry.Updates.Add(1, _tags);
        FathomTelemetry.CriticLoss.Record(metrics.CriticLoss, _tags);
        // Only what this algorithm has: TD3 has no alpha and steps its actor every d updates; TD critics have no accuracy.
        if (metrics.ActorLoss is { } actorLoss) FathomTelemetry.ActorLoss.Record(actorLoss, _tags);
        if (metrics.Accuracy is { } accuracy) FathomTelemetry.Accuracy.Record(accuracy, _tags);
        if (metrics.Alpha is { } alpha) FathomTelemetry.Alpha.Record(alpha, _tags);
        FathomTelemetry.DataWaitFraction.Record(DataWaitFraction, _tags);
    }

    public ValueTask DisposeAsync() => _sampler.DisposeAsync();
}
