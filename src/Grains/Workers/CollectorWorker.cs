using System.Diagnostics;
using Fathom.Grains.Contracts;
using Fathom.Grains.Stores;
using Fathom.Grains.Telemetry;
using Fathom.Learner;
using Fathom.Replay;

namespace Fathom.Grains.Workers;

/// <summary>
/// One collector, as Acme composes an actor process: an <see cref="EnvironmentLoop"/> collects a chunk (an episode from
/// each of its N envs) with the policy of its <see cref="VariableClient"/> (newer behaviour weights every K steps), the
/// <see cref="InsertRateLimiter"/> holds the chunk until no live learner would fall behind its samples-per-insert rule,
/// and the <see cref="EpisodeAdder"/> writes it to its replay shard. So collection of the next chunk overlaps learning
/// on the last one, and never runs away from the learners. Env steps and episodes count only once they are in the
/// store. A stop lets the chunk in hand finish and be written (a worker flushes what it holds), waiting or not; it
/// stops by itself at the run's budget.
/// </summary>
public sealed class CollectorWorker(CollectorAssignment assignment, IReplayStore store, WeightStore weights, RateLimiterLedger ledger, string silo,
    string device = TorchDevices.Cpu)
    : WorkerThread($"fathom-collector-{assignment.Index}")
{
    /// <summary>How long one wait on the limiter lasts before the collector looks at its stop token again.</summary>
    private static readonly TimeSpan WaitSlice = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a shard may refuse every append as out of memory before the collector fails with a named error (it
    /// evicts old episodes at each refusal, so this happens only when other data fills the server).
    /// </summary>
    public static TimeSpan OutOfMemoryGiveUp { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>The adder's back-off after <paramref name="refusals"/> out-of-memory refusals (see <see cref="EpisodeAdder"/>).</summary>
    internal static TimeSpan OutOfMemoryDelay(int refusals) => EpisodeAdder.OutOfMemoryDelay(refusals);

    /// <summary>Names this incarnation's episodes, so that a collector restarted elsewhere never reuses an episode id.</summary>
    private readonly string _producer = $"collector-{assignment.Index}-{Guid.NewGuid():N}"[..^24];
    private readonly Lock _lock = new();
    private readonly List<CollectionPoint> _curve = [];
    private readonly Stopwatch _clock = new();
    private long _envSteps, _episodes, _version, _lag, _maxLag;
    private EpisodeAdder? _adder;
    private bool _finished;

    /// <summary>The resolved device this collector's envs and policy run on (cpu or cuda:N).</summary>
    public string Device => device;

    public CollectorProgress Progress()
    {
        lock (_lock)
        {
            var state = Error is not null ? ExperimentState.Failed
                : IsRunning ? ExperimentState.Running
                : _finished ? ExperimentState.Finished : ExperimentState.Stopped;
            var seconds = _clock.Elapsed.TotalSeconds;
            return new CollectorProgress(assignment.Index, state, _envSteps, _episodes, seconds > 0 ? _envSteps / seconds : 0,
                _version, _lag, _maxLag, [.. _curve], silo, ErrorText, _producer, device, _adder?.OutOfMemoryRetries ?? 0);
        }
    }

    protected override void Execute(CancellationToken stop)
    {
        _clock.Start();
        var spec = assignment.Spec;
        var group = assignment.Group;
        var seed = spec.Seed * 1000L + assignment.Index;
        var tags = new TagList { { FathomTelemetry.Tags.Run, assignment.Run }, { FathomTelemetry.Tags.Role, "collector" }, { FathomTelemetry.Tags.Device, device } };
        ReplayTelemetry.ReplayOomRetries.Add(0, tags); // the series exists from the start: no refusal reads 0, not "no data"
        using var loop = new EnvironmentLoop(spec.Environment, group.Envs, seed, store.Options.Layout, _producer, group.WeightRefreshSteps, device);
        using var variables = new VariableClient(weights, assignment.Run, group.Behaviour, seed, device);
        var adder = _adder = new EpisodeAdder(store, assignment.Shard, OutOfMemoryGiveUp, tags);
        var limiter = new InsertRateLimiter(store, ledger, RateLimits.Learners(spec));
        var chunkTransitions = loop.ChunkTransitions;
        while (!stop.IsCancellationRequested)
        {
            var insertedBefore = Wait(store.GetSizesAsync(stop)).InsertedTransitions;
            if (insertedBefore >= spec.BudgetEnvSteps)
            {
                _finished = true;
                return;
            }

            using var span = FathomTelemetry.Source.StartActivity(FathomTelemetry.Spans.CollectChunk);
            var chunk = loop.Collect(() =>
            {
                variables.Update(AbortToken); // a stop lets the chunk finish
                lock (_lock) _version = variables.Version;
                return (variables.Policy, variables.Version);
            });
            WaitToInsert(limiter, chunkTransitions, stop);
            adder.Add(chunk.Episodes, AbortToken); // a stop lets the chunk finish, so the counts below match the store
            var latest = variables.Latest(AbortToken); // written episodes are always counted
            lock (_lock)
            {
                _envSteps += chunkTransitions;
                _episodes += chunk.Episodes.Length;
                _lag = Math.Max(0, latest - _version);
                _maxLag = Math.Max(_maxLag, _lag);
                _curve.Add(new CollectionPoint(insertedBefore + chunkTransitions, (DateTime.UtcNow - assignment.StartedAt).TotalSeconds,
                    chunk.MeanTimeAtGoal, chunk.SuccessAny, chunk.Version, assignment.Index));
            }
            FathomTelemetry.EnvSteps.Add(chunkTransitions, tags);
            FathomTelemetry.Episodes.Add(chunk.Episodes.Length, tags);
            FathomTelemetry.PolicyLag.Record(_lag, tags);
        }
    }

    /// <summary>Waits as long as the learners need, in slices; a stop ends the wait.</summary>
    private static void WaitToInsert(InsertRateLimiter limiter, long transitions, CancellationToken stop)
    {
        while (true)
        {
            try
            {
                Wait(limiter.WaitToInsertAsync(transitions, WaitSlice, stop));
                return;
            }
            catch (TimeoutException)
            {
                // A learner is still working through what it has: wait on.
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
        }
    }
}
