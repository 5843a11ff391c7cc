using System.Diagnostics;
using Fathom.Grains.Contracts;
using Fathom.Replay;
using Fathom.Grains.Specs;
using Fathom.Grains.Stores;
using Fathom.Grains.Telemetry;
using Fathom.Learner;
using Fathom.Learner.Crl;
using Fathom.Learner.Evaluation;
using TorchSharp;

namespace Fathom.Grains.Workers;

/// <summary>
/// The training loop of one learner, in the order things happen: resume from the latest checkpoint (the update
/// count continues), then repeat: wait on the samples-per-insert limiter, take a prefetched minibatch, update;
/// as the behaviour learner publish actor weights (at most once per <see cref="PublishPeriod"/>); every E updates
/// evaluate its own deterministic policy on the eval layout; every N updates checkpoint. On stop (after draining
/// what the limiter still allows, when asked to): a last evaluation, a checkpoint and the topology probe.
/// Every tensor it makes (agent, minibatches, eval and probe envs) lives on <see cref="Device"/>, the resolved device
/// (cpu or cuda:N); weights and checkpoints leave it as CPU copies.
/// </summary>
public sealed class LearnerWorker(LearnerAssignment assignment, IReplayStore store, WeightStore weights, CheckpointStore checkpoints, LearnerPace pace, string silo,
    string device = TorchDevices.Cpu)
    : WorkerThread($"fathom-learner-{assignment.Name}")
{
    public static readonly TimeSpan PublishPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan PaceReportPeriod = TimeSpan.FromMilliseconds(50);
    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(2);
    private const long EvaluationSeed = 20_251_125;

    private readonly Lock _lock = new();
    private readonly List<EvaluationPoint> _evaluations = [];
    private readonly Stopwatch _clock = new();
    private long _updates, _updatesAtStart, _resumedFrom, _published;
    private volatile bool _draining;
    private TopologyGrid? _topology;

    /// <summary>The resolved device this learner trains on (cpu or cuda:N).</summary>
    public string Device => device;

    /// <summary>The configuration the agent is built from: the spec's networks on <see cref="Device"/>.</summary>
    public CrlConfig AgentConfig => AgentFactory.Config(assignment.Learner, store.Options.Layout, assignment.Spec.Seed * 1000L + Index, device);

    private int Index => Array.IndexOf(assignment.Spec.Learners, assignment.Learner);

    /// <summary>Asks the loop to train on until the rate limiter allows no more samples (collection has ended), then stop.</summary>
    public void RequestDrain() => _draining = true;

    public TopologyGrid? Topology
    {
        get { lock (_lock) return _topology; }
    }

    public LearnerProgress Progress()
    {
        lock (_lock)
        {
            var state = Error is not null ? ExperimentState.Failed : IsRunning ? ExperimentState.Running : ExperimentState.Finished;
            var seconds = _clock.Elapsed.TotalSeconds;
            return new LearnerProgress(assignment.Name, assignment.Learner.Role, state, _updates,
                seconds > 0 ? (_updates - _updatesAtStart) / seconds : 0, _published, _resumedFrom, [.. _evaluations], silo, ErrorText, device);
        }
    }

    protected override void Execute(CancellationToken stop)
    {
        var spec = assignment.Spec;
        var learner = assignment.Learner;
        var index = Index;
        var tags = new TagList { { FathomTelemetry.Tags.Run, assignment.Run }, { FathomTelemetry.Tags.Learner, learner.Name }, { FathomTelemetry.Tags.Device, device } };
        FathomTelemetry.SkippedUpdates.Add(0, tags); // the series exists from the start: no skip reads 0, not "no data"
        using var agent = new CrlAgent(AgentConfig);

        var checkpoint = Wait(checkpoints.LoadLatest(assignment.Run, learner.Name, stop));
        if (checkpoint is { } saved) agent.Load(new MemoryStream(saved.State));
        lock (_lock) _updates = _updatesAtStart = _resumedFrom = agent.UpdateCount;
        _clock.Start();

        var sizes = Wait(store.GetSizesAsync(stop));
        // Resumed from a checkpoint: go on at the samples-per-insert ratio over everything the store received (a kept
        // replay is not sampled a second time); a store that lost the replay counts from zero like a fresh run.
        long? resumedSamples = checkpoint is null ? null
            : Math.Min(agent.UpdateCount * (long)learner.Batch, (long)(sizes.InsertedTransitions * learner.SamplesPerInsert));
        var insertedBaseline = resumedSamples is null ? sizes.InsertedTransitions - sizes.Transitions : 0;
        var episodeLength = spec.Environment.EpisodeLength;
        var limits = new RateLimiterSettings(learner.SamplesPerInsert, spec.Replay.MinTransitions,
            learner.Batch + learner.SamplesPerInsert * episodeLength);
        var limiter = new SampleToInsertRatioLimiter(limits, store, learner.Batch, episodeLength, learner.Name, resumedSamples: resumedSamples);
        long version = learner.Role == LearnerRole.Behaviour ? Wait(weights.LatestVersion(assignment.Run, learner.Name, stop)) : 0;
        var lastPublish = Stopwatch.StartNew();
        var lastPace = Stopwatch.StartNew();
        // Its prefetch loops start at once and end only when it is disposed: nothing may throw before the try.
        var sampler = new ReplaySampler(store, new SamplerSettings(learner.Batch) { Seed = (int)(spec.Seed * 1000L + index), Timeout = WaitSlice, Gamma = agent.Config.Gamma });
        try
        {
            if (learner.Role == LearnerRole.Behaviour) version = Publish(agent, version + 1, tags, stop);
            if (checkpoint is null) Evaluate(agent, sizes.InsertedTransitions, tags);
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    if (lastPace.Elapsed >= PaceReportPeriod)
                    {
                        var inserted = Wait(store.GetSizesAsync(stop)).InsertedTransitions - insertedBaseline;
                        Wait(pace.Report(assignment.Run, learner.Name, inserted - limiter.Sampled / learner.SamplesPerInsert, stop));
                        lastPace.Restart();
                    }
                    // One update's trace: the wait on the limiter, the minibatch taken (sample span) and the SGD step.
                    using (var span = FathomTelemetry.Source.StartActivity(FathomTelemetry.Spans.LearnerUpdate))
                    {
                        Minibatch batch;
                        try
                        {
                            Wait(limiter.WaitToSampleAsync(WaitSlice, stop));
                            batch = Wait(sampler.NextAsync(stop));
                        }
                        catch (TimeoutException)
                        {
                            span?.SetTag("fathom.minibatch", "none within the wait");
                            if (_draining) break; // collection has ended and nothing more is allowed: done
                            continue; // collectors paused: keep reporting, keep listening for stop
                        }
                        Update(agent, batch, tags);
                    }

                    if (learner.Role == LearnerRole.Behaviour && lastPublish.Elapsed >= PublishPeriod)
                    {
                        version = Publish(agent, version + 1, tags, stop);
                        lastPublish.Restart();
                    }
                    if (agent.UpdateCount % spec.Evaluation.PeriodUpdates == 0)
                        Evaluate(agent, Wait(store.GetSizesAsync(stop)).InsertedTransitions, tags);
                    if (agent.UpdateCount % spec.CheckpointPeriodUpdates == 0)
                        Checkpoint(agent, stop);
                }
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                // Asked to stop while waiting on the store: go on to the flush.
            }

            if (Aborted) return;
            // Flush: the curve ends at the last update, the checkpoint holds it, the probe describes it.
            var flush = AbortToken;
            if (_evaluations.Count == 0 || _evaluations[^1].Updates != agent.UpdateCount)
                Evaluate(agent, Wait(store.GetSizesAsync(flush)).InsertedTransitions, tags);
            Checkpoint(agent, flush);
            if (learner.Role == LearnerRole.Behaviour) Publish(agent, version + 1, tags, flush);
            Probe(agent);
        }
        finally
        {
            Wait(sampler.DisposeAsync().AsTask());
            try
            {
                Wait(pace.Remove(assignment.Run, learner.Name, CancellationToken.None));
            }
            catch (Exception)
            {
                // A stale pace entry expires by itself (LearnerPace.StaleAfter).
            }
        }
    }

    private void Update(CrlAgent agent, Minibatch batch, TagList tags)
    {
        using var scope = torch.NewDisposeScope();
        // The agent copies the rows into tensors it reuses and moves them to its device.
        var metrics = agent.Update(batch.States, batch.Actions, batch.Goals);
        lock (_lock) _updates = agent.UpdateCount;
        if (metrics.Skipped)
        {
            FathomTelemetry.SkippedUpdates.Add(1, tags);
            return;
        }
        FathomTelemetry.Updates.Add(1, tags);
        FathomTelemetry.CriticLoss.Record(metrics.CriticLoss, tags);
        FathomTelemetry.ActorLoss.Record(metrics.ActorLoss, tags);
        FathomTelemetry.Accuracy.Record(metrics.CategoricalAccuracy, tags);
        FathomTelemetry.Alpha.Record(metrics.Alpha, tags);
    }

    private long Publish(CrlAgent agent, long version, TagList tags, CancellationToken stop)
    {
        using var span = FathomTelemetry.Source.StartActivity(FathomTelemetry.Spans.WeightsPublish);
        var started = Stopwatch.GetTimestamp();
        var blob = agent.ExportActor();
        Wait(weights.Publish(assignment.Run, assignment.Name, version, blob, stop));
        FathomTelemetry.WeightsPublishBytes.Record(blob.Length, tags);
        FathomTelemetry.WeightsPublishDuration.Record(Stopwatch.GetElapsedTime(started).TotalSeconds, tags);
        FathomTelemetry.PolicyVersion.Record(version, tags);
        lock (_lock) _published = version;
        return version;
    }

    private void Evaluate(CrlAgent agent, long envSteps, TagList tags)
    {
        using var span = FathomTelemetry.Source.StartActivity(FathomTelemetry.Spans.Evaluation);
        using var env = EnvironmentFactory.Eval(assignment.Spec.Environment, assignment.Spec.Evaluation.Episodes, EvaluationSeed, device);
        var result = PolicyEvaluation.Run(env, (states, goals) => agent.Act(states, goals, deterministic: true));
        FathomTelemetry.TimeAtGoal.Record(result.TimeAtGoalMean, tags);
        FathomTelemetry.SuccessAny.Record(result.SuccessAny, tags);
        lock (_lock)
            _evaluations.Add(new EvaluationPoint(envSteps, agent.UpdateCount, (DateTime.UtcNow - assignment.StartedAt).TotalSeconds,
                result.TimeAtGoalMean, result.TimeAtGoalStdErr, result.SuccessAny, result.MeanFinalDistance));
    }

    private void Checkpoint(CrlAgent agent, CancellationToken stop)
    {
        using var buffer = new MemoryStream();
        agent.Save(buffer);
        Wait(checkpoints.Save(assignment.Run, assignment.Name, agent.UpdateCount, buffer.ToArray(), stop));
    }

    /// <summary>Q over the eval maze for its first goal cell (the far corner of the U on u_maze_eval).</summary>
    private void Probe(CrlAgent agent)
    {
        using var env = EnvironmentFactory.Eval(assignment.Spec.Environment, 1, EvaluationSeed, device);
        var (row, col) = env.Layout.Goals[0];
        var cell = env.Settings.CellSize;
        var result = TopologyProbe.Run(env, (s, a, g) => agent.Q(s, a, g), (s, g) => agent.Act(s, g, deterministic: true),
            (col + 0.5f) * cell, (row + 0.5f) * cell);
        lock (_lock)
            _topology = new TopologyGrid(assignment.Name, agent.UpdateCount, result.Rows, result.Columns, result.Spacing,
                result.GoalX, result.GoalY, result.Q, result.Geodesic, result.Euclidean, result.SpearmanGeodesic, result.SpearmanEuclidean);
    }
}
