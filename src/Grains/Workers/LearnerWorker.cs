using System.Diagnostics;
using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;
using Fathom.Grains.Stores;
using Fathom.Grains.Telemetry;
using Fathom.Learner;
using Fathom.Learner.Crl;
using Fathom.Replay;

namespace Fathom.Grains.Workers;

/// <summary>
/// One learner, as Acme composes a learner process, in the order things happen: the <see cref="Checkpointer"/>
/// restores the latest checkpoint (the update count continues); then the <see cref="LearnerStepLoop"/> repeats
/// limiter wait, minibatch, update; as the behaviour learner the <see cref="Publisher"/> publishes actor weights (at
/// most once per <see cref="PublishPeriod"/>); every E updates the <see cref="Evaluator"/> evaluates its own
/// deterministic policy; every N updates the checkpointer saves. On stop (after draining what the limiter still
/// allows, when asked to): a last evaluation, a checkpoint, a last publish and the topology probe. Its limiter
/// publishes its samples to the run's <see cref="RateLimiterLedger"/>, which paces the collectors.
/// Every tensor it makes lives on <see cref="Device"/> (cpu or cuda:N); weights and checkpoints leave it as CPU copies.
/// </summary>
public sealed class LearnerWorker(LearnerAssignment assignment, IReplayStore store, WeightStore weights, CheckpointStore checkpoints, RateLimiterLedger ledger,
    string silo, string device = TorchDevices.Cpu)
    : WorkerThread($"fathom-learner-{assignment.Name}")
{
    public static readonly TimeSpan PublishPeriod = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(2);

    private readonly Lock _lock = new();
    private readonly List<EvaluationPoint> _evaluations = [];
    private readonly Stopwatch _clock = new();
    private long _updates, _updatesAtStart, _resumedFrom, _published;
    private volatile bool _draining;
    private TopologyGrid? _topology;
    private LearnerStepLoop? _steps;

    /// <summary>The resolved device this learner trains on (cpu or cuda:N).</summary>
    public string Device => device;

    /// <summary>The CRL configuration of the spec's networks on <see cref="Device"/>: the agent's own for crl (AgentFactory.Create builds sac and td3 from the same fields).</summary>
    public CrlConfig AgentConfig => AgentFactory.Config(assignment.Learner, store.Options.Layout, Seed, device);

    /// <summary>The agent's seed: one per learner of the run.</summary>
    private long Seed => assignment.Spec.Seed * 1000L + Index;

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
                seconds > 0 ? (_updates - _updatesAtStart) / seconds : 0, _published, _resumedFrom, [.. _evaluations], silo, ErrorText, device,
                _steps?.DataWaitFraction ?? 0);
        }
    }

    protected override void Execute(CancellationToken stop)
    {
        var spec = assignment.Spec;
        var learner = assignment.Learner;
        var tags = new TagList { { FathomTelemetry.Tags.Run, assignment.Run }, { FathomTelemetry.Tags.Learner, learner.Name }, { FathomTelemetry.Tags.Device, device } };
        FathomTelemetry.SkippedUpdates.Add(0, tags); // the series exists from the start: no skip reads 0, not "no data"
        using var agent = AgentFactory.Create(learner, spec.Environment, store.Options.Layout, Seed, device);
        var checkpointer = new Checkpointer(checkpoints, assignment.Run, learner.Name);
        var evaluator = new Evaluator(spec, assignment.StartedAt, device, tags);
        var publisher = learner.Role == LearnerRole.Behaviour ? new Publisher(weights, assignment.Run, learner.Name, PublishPeriod, tags) : null;

        var resumed = checkpointer.Restore(agent, stop);
        lock (_lock) _updates = _updatesAtStart = _resumedFrom = agent.UpdateCount;
        _clock.Start();

        var sizes = Wait(store.GetSizesAsync(stop));
        // Resumed from a checkpoint: go on at the samples-per-insert ratio over everything the store received (a kept
        // replay is not sampled a second time); a store that lost the replay counts from zero like a fresh run.
        long? resumedSamples = resumed ? Math.Min(agent.UpdateCount * (long)learner.Batch, (long)(sizes.InsertedTransitions * learner.SamplesPerInsert)) : null;
        var limiter = new SampleToInsertRatioLimiter(RateLimits.Of(spec, learner), store, learner.Batch, spec.Environment.EpisodeLength, learner.Name,
            resumedSamples: resumedSamples, ledger: ledger);
        var sampling = new SamplerSettings(learner.Batch)
        {
            Seed = (int)Seed, Timeout = WaitSlice, Gamma = learner.Gamma, NextStates = agent.UsesNextStates, FinalGoalFraction = learner.FinalGoalFraction,
        };
        // Its prefetch loops start at once and end only when it is disposed: nothing may throw before the try.
        var steps = new LearnerStepLoop(store, limiter, sampling, WaitSlice, tags);
        lock (_lock) _steps = steps;
        try
        {
            if (publisher is not null) Publish(publisher, agent, stop);
            if (!resumed) Record(evaluator.Evaluate(agent, sizes.InsertedTransitions));
            try
            {
                while (!stop.IsCancellationRequested)
                {
                    if (!steps.Step(agent, stop))
                    {
                        if (_draining) break; // collection has ended and nothing more is allowed: done
                        continue; // collectors paused: keep listening for stop
                    }
                    lock (_lock) _updates = agent.UpdateCount;
                    if (publisher is not null && publisher.PublishIfDue(agent, stop)) lock (_lock) _published = publisher.Version;
                    if (agent.UpdateCount % spec.Evaluation.PeriodUpdates == 0)
                        Record(evaluator.Evaluate(agent, Wait(store.GetSizesAsync(stop)).InsertedTransitions));
                    if (agent.UpdateCount % spec.CheckpointPeriodUpdates == 0)
                        checkpointer.Save(agent, stop);
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
                Record(evaluator.Evaluate(agent, Wait(store.GetSizesAsync(flush)).InsertedTransitions));
            checkpointer.Save(agent, flush);
            if (publisher is not null) Publish(publisher, agent, flush);
            var topology = evaluator.Probe(agent, assignment.Name);
            lock (_lock) _topology = topology;
        }
        finally
        {
            Wait(steps.DisposeAsync().AsTask());
            try
            {
                Wait(limiter.LeaveAsync(CancellationToken.None));
            }
            catch (Exception)
            {
                // An entry left behind goes stale by itself (RateLimiterLedger.StaleAfter).
            }
        }
    }

    private void Publish(Publisher publisher, IGoalAgent agent, CancellationToken cancellation)
    {
        publisher.Publish(agent, cancellation);
        lock (_lock) _published = publisher.Version;
    }

    private void Record(EvaluationPoint point)
    {
        lock (_lock) _evaluations.Add(point);
    }
}
