using System.Text.Json;
using Fathom.Grains.Contracts;
using Fathom.Grains.Placement;
using Fathom.Replay;
using Fathom.Grains.Specs;
using Fathom.Grains.Stores;
using Microsoft.Extensions.Logging;
using Orleans.Storage;
using Microsoft.Extensions.DependencyInjection;

namespace Fathom.Grains.Grains;

/// <summary>
/// Coordinates one run (key = run name, or a resumed segment's key): starts its learners and collectors, polls them
/// on a grain timer (short turns, no hot loop here), restarts any worker whose activation was lost with its silo,
/// merges and persists their curves, and ends the run at the env-step budget, on request, or when a worker fails.
/// Per-silo collector groups follow the collector silos: a silo that joins gets its share, one that leaves loses it
/// (neither counts as a restart or a failure); their run-wide indices are recorded, so they are never reused.
/// A reminder reactivates it on another silo if its own silo dies while nobody is watching; its record is persisted,
/// so it carries on where it was.
/// </summary>
public sealed class ExperimentGrain(
    [PersistentState("experiment", FathomGrainServices.StorageName)] IPersistentState<ExperimentRecord> record,
    ReplayStores replay,
    WorkerSettings settings,
    ClusterRoles roles,
    ILogger<ExperimentGrain> logger) : Grain, IExperimentGrain, IRemindable
{
    /// <summary>The reminder that keeps a running experiment alive across silo failures.</summary>
    private const string DriveReminder = "drive";

    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan WriteInterval = TimeSpan.FromSeconds(5);

    /// <summary>A worker that fails is restarted (a learner from its checkpoint) this many times before the run fails.</summary>
    private const int MaxRestarts = 10;

    private readonly Dictionary<string, LearnerProgress> _learners = [];
    private readonly Dictionary<int, CollectorProgress> _collectors = [];
    private ReplayProgress _replay = new(0, 0, 0);
    private IGrainTimer? _timer;
    private string? _refusedRestart;
    private DateTime _lastWrite;
    private long _stoppingUpdates;
    private readonly TaskCompletionSource _firstPoll = new();

    /// <summary>This grain's key (the run, or a resumed segment of it).</summary>
    private string Key => this.GetPrimaryKeyString();

    /// <summary>The run whose stores the workers use.</summary>
    private string Run => State.Run ?? Key;

    private RunRegistry Registry => ServiceProvider.GetRequiredService<RunRegistry>();
    private ExperimentRecord State => record.State;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        State.Writer = Guid.NewGuid();
        if (State.State is ExperimentState.Running or ExperimentState.Stopping)
        {
            logger.LogInformation("Experiment {Experiment} reactivated {State} at {EnvSteps} env steps; polling its workers again", Key, State.State, State.EnvSteps);
            StartPolling();
        }
        return Task.CompletedTask;
    }

    public async Task Start(ExperimentSpec spec) => await StartSegment(spec, Key, null);

    public Task<SegmentStart> Resume(ExperimentSpec spec, string run, long envStepsAtStop) => StartSegment(spec, run, envStepsAtStop);

    private async Task<SegmentStart> StartSegment(ExperimentSpec spec, string run, long? envStepsAtStop)
    {
        SpecValidator.ThrowIfInvalid(spec);
        RunNames.ThrowIfInvalid(Key, "run");
        RunNames.ThrowIfInvalid(run, "resumed run");
        if (envStepsAtStop is < 0) throw new ArgumentOutOfRangeException(nameof(envStepsAtStop), envStepsAtStop, "env steps at stop must be >= 0");
        var fingerprint = JsonSerializer.Serialize(new { spec, run, envStepsAtStop });
        if (State.Spec is not null)
        {
            if (State.Fingerprint == fingerprint) return State.Segment;
            throw new InvalidOperationException($"run '{Key}' was already started with a different spec; choose another run name");
        }
        await Task.Run(() => replay.ThrowIfTooLargeAsync(spec)); // builds a one-env instance and asks the stores: off the grain's turn
        await roles.ThrowIfMissing(spec);

        var segment = new SegmentStart(0, 0, 0);
        if (envStepsAtStop is { } stoppedAt)
        {
            // The store may still hold the run's replay (cluster stores outlive the client); then env steps go on from its count.
            var sizes = await (await replay.Get(run, spec)).GetSizesAsync();
            segment = sizes.InsertedTransitions > 0 ? new SegmentStart(sizes.Transitions, sizes.Episodes, 0) : new SegmentStart(0, 0, stoppedAt);
            if (!segment.KeptReplay) spec = spec with { BudgetEnvSteps = spec.BudgetEnvSteps - stoppedAt };
            if (spec.BudgetEnvSteps < 1)
                throw new ArgumentOutOfRangeException(nameof(envStepsAtStop), envStepsAtStop, $"run '{run}' already collected its budget");
        }

        State.Spec = spec;
        State.Run = run;
        State.Segment = segment;
        State.Fingerprint = fingerprint;
        State.State = ExperimentState.Running;
        State.EndState = ExperimentState.Finished;
        State.StartedAt = DateTime.UtcNow;
        State.Curves = spec.Learners.ToDictionary(l => l.Name, _ => new List<EvaluationPoint>());
        State.NextCollectorIndex = spec.FixedCollectorCount;
        await record.WriteStateAsync();
        await this.RegisterOrUpdateReminder(DriveReminder, settings.ReminderPeriod, settings.ReminderPeriod);
        await Registry.Record(Key, State.State, State.StartedAt);
        try
        {
            // A per-silo collector whose silo is not placeable yet (just joined) is started again by a later poll.
            var joined = await FollowCollectorSilos();
            await Task.WhenAll(spec.Learners.Select(l => StartLearner(l.Name)).Concat(Enumerable.Range(0, spec.FixedCollectorCount).Select(StartCollector))
                .Concat(joined.Select(c => Bounded(StartCollector(c)))));
        }
        catch (RunRefusedException e)
        {
            // A worker refused (e.g. its device is not on its silo): the run fails now, the others are stopped, the caller hears why.
            await BeginStopping(ExperimentState.Failed, e.Message);
            StartPolling();
            throw;
        }
        StartPolling();
        return segment;
    }

    /// <summary>The reminder's tick: activating the grain is the point (OnActivateAsync resumes polling); an ended run drops it.</summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (State.State is ExperimentState.Running or ExperimentState.Stopping) StartPolling();
        else await DropReminder();
    }

    public Task<ExperimentState> GetState() => Task.FromResult(State.State);

    public async Task Forget()
    {
        if (State.State is ExperimentState.Running or ExperimentState.Stopping)
            throw new InvalidOperationException($"run '{Key}' is {State.State.ToString().ToLowerInvariant()}; stop it before it is deleted");
        await DropReminder();
        _timer?.Dispose();
        _timer = null;
        await record.ClearStateAsync();
        await Registry.Remove(Key);
        record.State = new ExperimentRecord();
        DeactivateOnIdle();
    }

    public async Task<ExperimentStatus> GetStatus()
    {
        // A reactivated experiment knows its workers' progress only after its first poll: wait for it (bounded), so that
        // progress never reads as reset to a client that asks in between.
        if (State.State is ExperimentState.Running or ExperimentState.Stopping && !_firstPoll.Task.IsCompleted)
        {
            try { await _firstPoll.Task.WaitAsync(CallTimeout); }
            catch (TimeoutException) { } // answer with what the record holds
        }
        var learners = State.Spec?.Learners.Select(l => _learners.TryGetValue(l.Name, out var p)
            ? p with { Evaluations = [.. State.Curves[l.Name]] }
            : new LearnerProgress(l.Name, l.Role, ExperimentState.NotStarted, 0, 0, 0, 0, [.. State.Curves[l.Name]], "", null)).ToArray() ?? [];
        var collectors = _collectors.Values.OrderBy(c => c.Index).ToArray();
        return new ExperimentStatus(Run, State.State, State.Error, State.EnvSteps, State.Spec?.BudgetEnvSteps ?? 0,
            Seconds(), learners, collectors, _replay, State.PolicyVersion, State.MaxPolicyLag,
            State.Written.Values.Sum(w => w[0]), State.Written.Values.Sum(w => w[1]), RuntimeIdentity);
    }

    public async Task Stop()
    {
        if (State.State == ExperimentState.Running) await BeginStopping(ExperimentState.Stopped, null);
    }

    public Task<ExperimentResults> GetResults()
    {
        var spec = State.Spec;
        var curves = spec?.Learners.Select(l => new LearnerCurve(l.Name, l.Role, l.Actor.Depth, l.Critic.Depth, [.. State.Curves[l.Name]])).ToArray() ?? [];
        return Task.FromResult(new ExperimentResults(Run, State.State, spec, curves,
            [.. State.CollectorCurve.OrderBy(p => p.EnvSteps)], [.. State.Topology], State.EnvSteps, Seconds()));
    }

    private double Seconds() => State.Spec is null ? 0
        : State.State is ExperimentState.Finished or ExperimentState.Stopped or ExperimentState.Failed ? State.Seconds
        : (DateTime.UtcNow - State.StartedAt).TotalSeconds;

    private void StartPolling() =>
        _timer ??= this.RegisterGrainTimer(Poll, new GrainTimerCreationOptions(settings.PollPeriod, settings.PollPeriod) { Interleave = false, KeepAlive = true });

    private ILearnerGrain Learner(string name) => GrainFactory.GetGrain<ILearnerGrain>(GrainKeys.Learner(Key, name));

    private ICollectorGrain Collector(int index) => GrainFactory.GetGrain<ICollectorGrain>(GrainKeys.Collector(Key, index));

    private ICollectorGrain Collector(SiloCollector c) =>
        GrainFactory.GetGrain<ICollectorGrain>(GrainKeys.Collector(Key, SiloAddress.FromParsableString(c.Silo), c.Slot));

    private Task StartLearner(string name) => Learner(name).Start(new LearnerAssignment(Run, name, State.Spec!, State.StartedAt, Key));

    private Task StartCollector(int index) => Collector(index).Start(new CollectorAssignment(Run, index, State.Spec!, State.StartedAt, Key));

    private Task StartCollector(SiloCollector c) => Collector(c).Start(new CollectorAssignment(Run, c.Index, State.Spec!, State.StartedAt, Key, c.Group));

    /// <summary>Every collector the run has now: the fixed-count ones, then the per-silo ones on the collector silos up.</summary>
    private IEnumerable<(int Index, ICollectorGrain Grain, Func<Task> Start)> Collectors() =>
        Enumerable.Range(0, State.Spec!.FixedCollectorCount).Select(i => (i, Collector(i), (Func<Task>)(() => StartCollector(i))))
            .Concat(State.SiloCollectors.Select(c => (c.Index, Collector(c), (Func<Task>)(() => StartCollector(c)))));

    /// <summary>
    /// Matches the per-silo groups to the active collector silos: the share of a silo that left is dropped (stopped if
    /// it still answers, forgotten either way, not counted as a failure); while the run is running, each collector
    /// silo without a share gets one, under the next unused indices. The change is persisted before anything starts,
    /// so a reactivated experiment carries on with the same assignment. Returns the collectors to start.
    /// </summary>
    private async Task<SiloCollector[]> FollowCollectorSilos()
    {
        var share = State.Spec!.SiloShare().ToArray();
        if (share.Length == 0) return [];
        var active = roles.Active();
        var up = active.Select(s => s.Silo.ToParsableString()).ToHashSet();
        var left = State.SiloCollectors.Where(c => !up.Contains(c.Silo)).ToArray();
        foreach (var c in left)
        {
            State.SiloCollectors.Remove(c);
            _collectors.Remove(c.Index);
        }
        var joined = new List<SiloCollector>();
        if (State.State == ExperimentState.Running)
        {
            var served = State.SiloCollectors.Select(c => c.Silo).ToHashSet();
            var next = Math.Max(State.NextCollectorIndex, State.Spec.FixedCollectorCount);
            foreach (var silo in active.Where(s => s.Role is { } role && role.Offers(SiloRole.Collector)).Select(s => s.Silo.ToParsableString()).Order(StringComparer.Ordinal))
                if (!served.Contains(silo))
                    joined.AddRange(share.Select(s => new SiloCollector(next++, s.Group, silo, s.Slot)));
            State.NextCollectorIndex = next;
            State.SiloCollectors.AddRange(joined);
        }
        if (left.Length + joined.Count == 0) return [];
        foreach (var silo in left.Select(c => c.Silo).Distinct())
            logger.LogInformation("Experiment {Experiment}: collector silo {Silo} left; its collectors {Indices} are dropped", Key, silo,
                string.Join(", ", left.Where(c => c.Silo == silo).Select(c => c.Index)));
        foreach (var silo in joined.Select(c => c.Silo).Distinct())
            logger.LogInformation("Experiment {Experiment}: collector silo {Silo} gets collectors {Indices}", Key, silo,
                string.Join(", ", joined.Where(c => c.Silo == silo).Select(c => c.Index)));
        await Persist(force: true);
        await Task.WhenAll(left.Select(c => Bounded(Collector(c).Stop())));
        return [.. joined];
    }

    /// <summary>One poll: a few awaited calls, each bounded; the work itself runs on the workers' threads.</summary>
    private async Task Poll(CancellationToken cancellation)
    {
        var spec = State.Spec!;
        var changed = false;
        await Task.WhenAll((await FollowCollectorSilos()).Select(c => Restarted(StartCollector(c))));
        await Task.WhenAll(
            Task.WhenAll(spec.Learners.Select(l => PollLearner(l.Name))),
            Task.WhenAll(Collectors().Select(PollCollector)),
            PollReplay(spec));
        _firstPoll.TrySetResult();

        foreach (var (name, progress) in _learners)
            changed |= Merge(State.Curves[name], progress.Evaluations);
        var known = State.CollectorCurve.ToHashSet();
        foreach (var point in _collectors.Values.SelectMany(c => c.Curve).Where(p => !known.Contains(p)))
        {
            State.CollectorCurve.Add(point);
            changed = true;
        }
        State.MaxPolicyLag = Math.Max(State.MaxPolicyLag, _collectors.Values.Select(c => c.MaxPolicyLag).DefaultIfEmpty().Max());
        State.PolicyVersion = Math.Max(State.PolicyVersion, _learners.Values.Select(l => l.PublishedVersion).DefaultIfEmpty().Max());

        if (State.State == ExperimentState.Running && _refusedRestart is { } refused)
        {
            await BeginStopping(ExperimentState.Failed, refused);
        }
        else if (State.State == ExperimentState.Running)
        {
            var failed = _learners.Values.Select(l => (l.State, What: $"learner {l.Name}", l.Error))
                .Concat(_collectors.Values.Select(c => (c.State, What: $"collector {c.Index}", c.Error)))
                .FirstOrDefault(w => w.State == ExperimentState.Failed && State.Restarts.GetValueOrDefault(w.What) >= MaxRestarts);
            if (failed.What is not null)
                await BeginStopping(ExperimentState.Failed, $"{failed.What} failed: {failed.Error}");
            else if (State.EnvSteps >= spec.BudgetEnvSteps)
                await BeginStopping(ExperimentState.Finished, null);
        }
        else if (State.State == ExperimentState.Stopping)
        {
            var learnersDone = _learners.Count == spec.Learners.Length && _learners.Values.All(l => l.State != ExperimentState.Running);
            var collectorsDone = _collectors.Values.All(c => c.State != ExperimentState.Running);
            // Learners may drain for a while; only a stop in which nothing moves for StopTimeout is cut short.
            var updates = _learners.Values.Sum(l => l.Updates);
            if (updates != _stoppingUpdates)
            {
                _stoppingUpdates = updates;
                State.StoppingSince = DateTime.UtcNow;
            }
            var timedOut = DateTime.UtcNow - State.StoppingSince > settings.StopTimeout;
            if ((learnersDone && collectorsDone) || timedOut)
            {
                // Counted once more now that no collector writes: this poll's count may predate their last episodes.
                await PollReplay(spec);
                // A learner that did not answer in time (a loaded silo) is asked again at the next poll, until the stop times out.
                if (!await CollectTopology(spec) && !timedOut) return;
                State.State = State.EndState;
                State.Seconds = (DateTime.UtcNow - State.StartedAt).TotalSeconds;
                await Persist(force: true);
                _timer?.Dispose();
                _timer = null;
                await DropReminder();
                return;
            }
        }
        await Persist(force: changed && DateTime.UtcNow - _lastWrite >= WriteInterval);
    }

    private async Task PollLearner(string name)
    {
        var progress = await Bounded(Learner(name).GetStatus());
        if (progress is null) return;
        if (progress.State == ExperimentState.NotStarted)
        {
            // A fresh activation: the previous one was lost with its silo. It resumes from its checkpoint.
            if (State.State == ExperimentState.Running) await Restarted(StartLearner(name));
            if (State.State == ExperimentState.Stopping) _learners[name] = progress with { State = ExperimentState.Stopped };
            return;
        }
        if (progress.State == ExperimentState.Failed && State.State == ExperimentState.Running && Restart($"learner {name}", progress.Error))
            await Restarted(StartLearner(name));
        _learners[name] = progress;
    }

    /// <summary>Counts a restart of a failed worker and says why; false once it has used up its restarts (the run then fails).</summary>
    private bool Restart(string worker, string? error)
    {
        var restarts = State.Restarts.GetValueOrDefault(worker);
        if (restarts >= MaxRestarts) return false;
        State.Restarts[worker] = restarts + 1;
        logger.LogWarning("Experiment {Experiment}: {Worker} failed ({Error}); restart {Restart} of {MaxRestarts}", Key, worker, error, restarts + 1, MaxRestarts);
        return true;
    }

    private async Task PollCollector((int Index, ICollectorGrain Grain, Func<Task> Start) collector)
    {
        var (index, grain, start) = collector;
        var progress = await Bounded(grain.GetStatus());
        if (progress is null) return;
        if (progress.State == ExperimentState.NotStarted)
        {
            if (State.State == ExperimentState.Running) await Restarted(start());
            _collectors.Remove(index);
            return;
        }
        State.Written[progress.Producer] = [progress.Episodes, progress.EnvSteps];
        if (progress.State == ExperimentState.Failed && State.State == ExperimentState.Running && Restart($"collector {index}", progress.Error))
            await Restarted(start());
        _collectors[index] = progress;
    }

    private async Task PollReplay(ExperimentSpec spec)
    {
        var store = await replay.Get(Run, spec);
        var sizes = await Bounded(store.GetSizesAsync());
        if (sizes is null) return;
        _replay = new ReplayProgress(sizes.Transitions, sizes.Episodes, spec.Replay.CapacityTransitions, sizes.InsertedTransitions, sizes.EvictedTransitions);
        State.EnvSteps = Math.Max(State.EnvSteps, sizes.InsertedTransitions);
    }

    private async Task BeginStopping(ExperimentState endState, string? error)
    {
        State.State = ExperimentState.Stopping;
        State.EndState = endState;
        State.Error = error;
        State.StoppingSince = DateTime.UtcNow;
        var spec = State.Spec!;
        await Task.WhenAll(Collectors().Select(c => Bounded(c.Grain.Stop())));
        // At the budget learners drain what their rate limiter still allows; on request or failure they stop now.
        var drain = endState == ExperimentState.Finished;
        await Task.WhenAll(spec.Learners.Select(l => Bounded(Learner(l.Name).Stop(drain))));
        await Persist(force: true);
    }

    /// <summary>Takes every learner's topology probe; false when a learner did not answer in time (its probe is then missing).</summary>
    private async Task<bool> CollectTopology(ExperimentSpec spec)
    {
        var calls = spec.Learners.Select(l => (l.Name, Call: Learner(l.Name).GetTopology())).ToArray();
        var answered = await Bounded((Task)Task.WhenAll(calls.Select(c => c.Call)));
        State.Topology = calls.Where(c => c.Call.IsCompletedSuccessfully).Select(c => c.Call.Result).OfType<TopologyGrid>().ToList();
        foreach (var (name, _) in calls.Where(c => !c.Call.IsCompletedSuccessfully))
            logger.LogWarning("Experiment {Experiment}: learner {Learner} did not hand over its topology probe in time", Key, name);
        return answered;
    }

    /// <summary>Adds the points not seen yet (one per update count), keeping the curve ordered by updates.</summary>
    private static bool Merge(List<EvaluationPoint> curve, EvaluationPoint[] points)
    {
        var seen = curve.Select(p => p.Updates).ToHashSet();
        var added = points.Where(p => seen.Add(p.Updates)).ToArray();
        if (added.Length == 0) return false;
        curve.AddRange(added);
        curve.Sort((a, b) => a.Updates.CompareTo(b.Updates));
        return true;
    }

    private async Task Persist(bool force)
    {
        if (!force) return;
        try
        {
            await record.WriteStateAsync();
            await Registry.Record(Key, State.State, State.StartedAt);
        }
        catch (InconsistentStateException e)
        {
            await RecordLost(e);
        }
        _lastWrite = DateTime.UtcNow;
    }

    /// <summary>A restart, bounded; one that is refused (its new silo lacks its device) ends the run at this poll with the reason.</summary>
    private async Task Restarted(Task start)
    {
        try
        {
            await Bounded(start);
        }
        catch (RunRefusedException e)
        {
            _refusedRestart ??= e.Message;
        }
    }

    /// <summary>
    /// The stored record changed or vanished under this activation (a store that dropped it, or a delete while the run
    /// was live): never carry on as if nothing happened, unless what is stored is this activation's own late write. The run fails with a message that says so, its workers stop,
    /// and the record is written again from memory so that the failure is what everyone sees.
    /// </summary>
    private async Task RecordLost(InconsistentStateException error)
    {
        var kept = State;
        await record.ReadStateAsync();
        var stored = record.State;
        record.State = kept;
        if (stored.Spec is not null && stored.Writer == kept.Writer)
        {
            // This activation's own earlier write, applied after its caller gave up on it: the record is ours, only the ETag moved.
            logger.LogWarning("Experiment {Experiment}: a write of its record landed after it timed out; writing again with the stored ETag", Key);
            await record.WriteStateAsync();
            return;
        }
        logger.LogError(error, "Experiment {Experiment}: its record in the state store was lost or replaced", Key);
        var lost = $"the experiment's record vanished from the state store ({(stored.Spec is null ? "no record" : "another record")} where this run's was; " +
                   "the store dropped it, e.g. out of memory, or it was deleted); the run cannot go on safely";
        if (State.State is ExperimentState.Running or ExperimentState.Stopping)
        {
            State.Error = lost;
            State.EndState = ExperimentState.Failed;
            if (State.State == ExperimentState.Running) await BeginStopping(ExperimentState.Failed, lost); // persists again, now with the store's ETag
            return;
        }
        await record.WriteStateAsync();
    }

    private async Task DropReminder()
    {
        try
        {
            if (await this.GetReminder(DriveReminder) is { } reminder) await this.UnregisterReminder(reminder);
        }
        catch (Exception e) when (e is OrleansException or TimeoutException)
        {
            logger.LogWarning(e, "Experiment {Experiment}: its reminder could not be removed; the next tick removes it", Key);
        }
    }

    /// <summary>A call that may hit a silo that just died: wait a bounded time, then carry on with what is known.</summary>
    private static async Task<T?> Bounded<T>(Task<T> call) where T : class?
    {
        try
        {
            return await call.WaitAsync(CallTimeout);
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
        {
            return null;
        }
    }

    private static async Task<bool> Bounded(Task call)
    {
        try
        {
            await call.WaitAsync(CallTimeout);
            return true;
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
        {
            return false;
        }
    }
}
