using System.Diagnostics;
using Fathom.Grains.Contracts;
using Fathom.Replay;
using Fathom.Grains.Stores;
using Fathom.Grains.Telemetry;
using Fathom.Learner;
using Fathom.Learner.Crl;
using Fathom.Learner.Evaluation;
using TorchSharp;

namespace Fathom.Grains.Workers;

/// <summary>
/// The environment loop of one collector (Acme's environment loop plus adder): steps a batch of N envs with the
/// behaviour learner's actor (stochastic), one whole episode at a time, and appends the N finished episodes to its
/// replay shard. Before the first published weights it acts uniformly at random. Every K batched steps it asks the
/// weight store for a newer version. Env steps and episodes count only once they are in the store. It pauses while
/// a learner's backlog exceeds one batch of episodes beyond the minimum replay size (<see cref="LearnerPace"/>), so
/// collection overlaps learning by one batch and never runs away from it; it stops by itself at the run's budget.
/// Its envs and policy live on <see cref="Device"/> (cpu or cuda:N); episodes are copied out to the CPU to be written.
/// </summary>
public sealed class CollectorWorker(CollectorAssignment assignment, IReplayStore store, WeightStore weights, LearnerPace pace, string silo,
    string device = TorchDevices.Cpu)
    : WorkerThread($"fathom-collector-{assignment.Index}")
{
    private static readonly TimeSpan PacePoll = TimeSpan.FromMilliseconds(20);
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Back-off after an out-of-memory refusal: jittered, doubling from the first delay up to the cap.</summary>
    private static readonly TimeSpan OutOfMemoryFirstDelay = TimeSpan.FromMilliseconds(100), OutOfMemoryMaxDelay = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How long a shard may refuse every append as out of memory before the collector fails with a named error (it
    /// evicts old episodes at each refusal, so this happens only when other data fills the server).
    /// </summary>
    public static TimeSpan OutOfMemoryGiveUp { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Names this incarnation's episodes, so that a collector restarted elsewhere never reuses an episode id.</summary>
    private readonly string _producer = $"collector-{assignment.Index}-{Guid.NewGuid():N}"[..^24];
    private readonly Lock _lock = new();
    private readonly List<CollectionPoint> _curve = [];
    private readonly Stopwatch _clock = new();
    private long _envSteps, _episodes, _version, _lag, _maxLag, _oomRetries;
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
                _version, _lag, _maxLag, [.. _curve], silo, ErrorText, _producer, device, _oomRetries);
        }
    }

    protected override void Execute(CancellationToken stop)
    {
        _clock.Start();
        var spec = assignment.Spec;
        var group = assignment.Group;
        var layout = store.Options.Layout;
        var seed = spec.Seed * 1000L + assignment.Index;
        using var env = EnvironmentFactory.Train(spec.Environment, group.Envs, seed, device);
        int n = env.NumEnvs, length = env.EpisodeLength, s = layout.StateDim, a = layout.ActionDim;
        var chunkTransitions = (long)n * length;
        var allowedBacklog = spec.Replay.MinTransitions + chunkTransitions;
        var learners = spec.Learners.Select(l => l.Name).ToArray();
        var random = RandomPolicy.Create(a, seed); // draws on the CPU (the same actions on any device), returned on the env's device
        CrlPolicy? policy = null;
        var tags = new TagList { { FathomTelemetry.Tags.Run, assignment.Run }, { FathomTelemetry.Tags.Role, "collector" }, { FathomTelemetry.Tags.Device, device } };
        ReplayTelemetry.ReplayOomRetries.Add(0, tags); // the series exists from the start: no refusal reads 0, not "no data"
        long sequence = 0;
        try
        {
            env.Reset();
            while (!stop.IsCancellationRequested)
            {
                var insertedBefore = Wait(store.GetSizesAsync(stop)).InsertedTransitions;
                if (insertedBefore >= spec.BudgetEnvSteps)
                {
                    _finished = true;
                    return;
                }
                while (Wait(pace.MaxBacklog(assignment.Run, learners, stop)) > allowedBacklog)
                    Wait(Task.Delay(PacePoll, stop));

                using var span = FathomTelemetry.Source.StartActivity(FathomTelemetry.Spans.CollectChunk);
                var states = new float[(length + 1) * n * s];
                var actions = new float[length * n * a];
                var atGoal = new float[n];
                var versionAtStart = _version;
                for (var t = 0; t < length; t++)
                {
                    if (t % group.WeightRefreshSteps == 0) policy = Refresh(policy, seed, stop);
                    using var scope = torch.NewDisposeScope();
                    var current = env.States;
                    var goals = env.Goals;
                    current.cpu().data<float>().CopyTo(states, t * n * s);
                    var action = policy is null ? random(current, goals) : policy.Act(current, goals, deterministic: false);
                    action.cpu().data<float>().CopyTo(actions, t * n * a);
                    var step = env.Step(action);
                    var success = step.Success.to(torch.float32).cpu().data<float>().ToArray();
                    for (var i = 0; i < n; i++) atGoal[i] += success[i];
                    var done = step.Done.cpu().data<bool>().ToArray();
                    var last = t == length - 1;
                    if (done.Any(d => d != last))
                        throw new InvalidOperationException($"env batch out of step: every env must finish its episode together at step {length}");
                    if (last) step.NextStates.cpu().data<float>().CopyTo(states, length * n * s);
                }

                var episodes = Enumerable.Range(0, n)
                    .Select(i => Slice(layout, length, n, i, states, actions, versionAtStart, sequence + i))
                    .ToArray();
                Append(episodes, tags); // a stop lets the batch finish, so the counts below match the store
                sequence += n;
                var latest = Wait(weights.LatestVersion(assignment.Run, group.Behaviour, AbortToken)); // written episodes are always counted
                lock (_lock)
                {
                    _envSteps += chunkTransitions;
                    _episodes += n;
                    _lag = Math.Max(0, latest - _version);
                    _maxLag = Math.Max(_maxLag, _lag);
                    _curve.Add(new CollectionPoint(insertedBefore + chunkTransitions, (DateTime.UtcNow - assignment.StartedAt).TotalSeconds,
                        atGoal.Average(), atGoal.Count(v => v > 0) / (double)n, versionAtStart, assignment.Index));
                }
                FathomTelemetry.EnvSteps.Add(chunkTransitions, tags);
                FathomTelemetry.Episodes.Add(n, tags);
                FathomTelemetry.PolicyLag.Record(_lag, tags);
            }
        }
        finally
        {
            policy?.Dispose();
        }
    }

    /// <summary>Fetches newer behaviour weights if there are any; the store keeps the blob, the grain never sees it.</summary>
    private CrlPolicy? Refresh(CrlPolicy? policy, long seed, CancellationToken stop)
    {
        var newer = Wait(weights.FetchNewer(assignment.Run, assignment.Group.Behaviour, _version, stop));
        if (newer is not { } fetched) return policy;
        var next = CrlPolicy.Import(fetched.Blob, seed + fetched.Version, device);
        policy?.Dispose();
        lock (_lock) _version = fetched.Version;
        return next;
    }

    /// <summary>Env i's episode out of the batch-major buffers: states [(T+1), N, S] and actions [T, N, A].</summary>
    private Episode Slice(EpisodeLayout layout, int length, int n, int i, float[] states, float[] actions, long version, long sequence)
    {
        int s = layout.StateDim, a = layout.ActionDim;
        var episodeStates = new float[(length + 1) * s];
        var episodeActions = new float[length * a];
        for (var t = 0; t <= length; t++) Array.Copy(states, (t * n + i) * s, episodeStates, t * s, s);
        for (var t = 0; t < length; t++) Array.Copy(actions, (t * n + i) * a, episodeActions, t * a, a);
        return new Episode(layout, length, episodeStates, episodeActions, _producer, version, sequence);
    }

    /// <summary>
    /// Appends the batch's episodes to this collector's shard in one batch, retrying a shard that is down (ids make a
    /// retry safe). A shard out of memory is back-pressure: the collector pauses with jittered exponential back-off,
    /// counts it (fathom.replay.oom_retries) and retries, and fails with a named error only after
    /// <see cref="OutOfMemoryGiveUp"/> of refusals in a row.
    /// </summary>
    private void Append(Episode[] episodes, TagList tags)
    {
        var refusedSince = (Stopwatch?)null;
        for (var refusals = 0; ; )
        {
            try
            {
                Wait(store.AppendAsync(assignment.Shard, episodes, AbortToken));
                return;
            }
            catch (ReplayShardUnavailableException)
            {
                Wait(Task.Delay(RetryDelay, AbortToken));
            }
            catch (ReplayShardOutOfMemoryException e)
            {
                refusedSince ??= Stopwatch.StartNew();
                if (refusedSince.Elapsed > OutOfMemoryGiveUp)
                    throw new InvalidOperationException($"replay shard {e.Shard} refused every append as out of memory for {OutOfMemoryGiveUp.TotalSeconds:F0} s, " +
                                                        "and evicting its oldest episodes did not make room: other data fills that server (maxmemory). Raise its maxmemory, free it, or lower replay.capacity.", e);
                lock (_lock) _oomRetries++;
                ReplayTelemetry.ReplayOomRetries.Add(1, tags);
                Wait(Task.Delay(OutOfMemoryDelay(refusals++), AbortToken));
            }
        }
    }

    /// <summary>Full jitter over an exponential ceiling: uniform in [0, min(cap, first x 2^n)], at least 10 ms.</summary>
    internal static TimeSpan OutOfMemoryDelay(int refusals)
    {
        var ceiling = Math.Min(OutOfMemoryMaxDelay.TotalMilliseconds, OutOfMemoryFirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(refusals, 30)));
        return TimeSpan.FromMilliseconds(Math.Max(10, Random.Shared.NextDouble() * ceiling));
    }
}
