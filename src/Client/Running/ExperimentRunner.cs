using System.Diagnostics;
using System.Runtime.CompilerServices;
using Fathom.Client.Hosting;
using Fathom.Client.Plots;
using Fathom.Client.Progress;
using Fathom.Client.Results;
using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;

namespace Fathom.Client.Running;

/// <summary>How a run ended, as the command's exit code tells it.</summary>
public enum RunOutcome
{
    Finished = 0,
    Failed = 1,

    /// <summary>The cluster refused to start the run (a role or device it lacks, stores too small, a bad spec): nothing ran.</summary>
    Refused = Commands.CommonOptions.BadInput,
    Interrupted = Interrupt.ExitCode,
}

/// <summary>
/// Runs one experiment (or the next segment of an interrupted one) to its end: starts the experiment grain,
/// shows progress, appends metrics.csv and rewrites eval.csv with each new evaluation while it runs (a crash keeps
/// them), and at the end (budget reached, failure or Ctrl-C) writes eval.csv from the cluster's record, topology.csv
/// and the plots. On Ctrl-C it stops the workers, copies every learner's latest
/// checkpoint into results/&lt;run&gt;/checkpoint/ and says how to resume. The run's name in the cluster (its stores'
/// keys and its first segment's grain key) is <paramref name="runKey"/> (default: the folder's name; a sweep prefixes
/// its own name so runs never collide); a resumed segment has a grain key of its own and keeps the run's stores.
/// </summary>
public sealed class ExperimentRunner(ClusterConnection cluster, RunFolder folder, ExperimentSpec spec, TextWriter output, string? runKey = null)
{
    static readonly TimeSpan PollPeriod = TimeSpan.FromSeconds(1);
    static readonly TimeSpan MetricsPeriod = TimeSpan.FromSeconds(5);
    static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(30);

    readonly Stopwatch _clock = Stopwatch.StartNew();
    readonly RateMeter _updateRates = new(TimeSpan.FromSeconds(10));
    // Env steps arrive in whole-episode bursts (all envs of a collector finish together): a long window keeps the rate steady.
    readonly RateMeter _envRate = new(TimeSpan.FromMinutes(2));
    ExperimentStatus? _last;
    // eval.csv as the progress frames reveal it: earlier segments' rows and the random baseline, then each new evaluation.
    readonly List<EvalPoint> _evals = [];

    public async Task<RunOutcome> RunAsync(ResumePoint? resume, CancellationToken interrupt)
    {
        var segment = (resume?.Segment ?? 0) + 1;
        var run = runKey ?? folder.Name;
        var key = ResumePoint.SegmentKey(run, segment);
        if (resume is not null && resume.EnvSteps >= spec.BudgetEnvSteps)
        {
            await output.WriteLineAsync($"run {folder.Name} already collected its budget of {spec.BudgetEnvSteps:N0} env steps; nothing to resume");
            return RunOutcome.Finished;
        }
        var earlier = resume is not null && File.Exists(folder.Eval) ? EvalCsv.Read(folder.Eval) : [];
        var random = earlier.FirstOrDefault(p => p.Role == RandomBaseline.Role) ?? RandomBaseline.Evaluate(folder.Name, spec);
        if (resume is not null) await RestoreCheckpoints(run, resume, interrupt);
        _evals.AddRange(earlier.Where(p => p.Role != RandomBaseline.Role).Append(random));

        var grain = cluster.Client.GetGrain<IExperimentGrain>(key);
        long offset;
        try
        {
            offset = resume is null ? 0 : await StartSegment(grain, run, resume);
            if (resume is null) await grain.Start(spec);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Refusals (roles, devices, store memory, spec) are the user's to fix: their message, no stack trace.
            await Console.Error.WriteLineAsync($"fathom: run {folder.Name} not started: {e.Message}");
            return RunOutcome.Refused;
        }
        // Only once the cluster has taken the run: a refused run leaves no folder behind.
        EvalCsv.Write(folder.Eval, _evals);
        await ProgressView.ShowAsync(Frames(grain, offset, interrupt), CancellationToken.None);

        if (interrupt.IsCancellationRequested && _last is not { IsOver: true })
        {
            await grain.Stop().WaitAsync(StopTimeout);
            _last = await AwaitStopped(grain);
        }
        // Stopped by Ctrl-C here or by `fathom stop` elsewhere: keep what it takes to resume.
        var stopped = _last?.State is ExperimentState.Stopping or ExperimentState.Stopped;
        if (stopped) await SaveCheckpoints(run, segment, offset);
        var results = await grain.GetResults();
        WriteResults(results, earlier.Where(p => p.Role != RandomBaseline.Role).Append(random), offset);

        if (stopped)
        {
            await output.WriteLineAsync($"stopped at {offset + results.EnvSteps:N0} of {spec.BudgetEnvSteps:N0} env steps; checkpoints in {folder.Checkpoint}");
            await output.WriteLineAsync($"resume with: fathom resume {folder.Name} --results {Path.GetDirectoryName(folder.Path)}");
            return RunOutcome.Interrupted;
        }
        if (results.State != ExperimentState.Finished)
        {
            await Console.Error.WriteLineAsync($"fathom: run {folder.Name} ended {results.State}: {_last?.Error ?? "no error reported"}");
            return RunOutcome.Failed;
        }
        if (Directory.Exists(folder.Checkpoint)) Directory.Delete(folder.Checkpoint, recursive: true);
        await Summarise(results, random);
        return RunOutcome.Finished;
    }

    /// <summary>
    /// Starts the run and returns: it goes on in the cluster with no client attached (the experiment grain's reminder
    /// keeps it alive across silo failures). Its folder keeps the spec; `fathom results` fetches the rest.
    /// </summary>
    public async Task<RunOutcome> StartDetachedAsync(string membership)
    {
        var run = runKey ?? folder.Name;
        try
        {
            await cluster.Client.GetGrain<IExperimentGrain>(ResumePoint.SegmentKey(run, 1)).Start(spec);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await Console.Error.WriteLineAsync($"fathom: run {folder.Name} not started: {e.Message}");
            return RunOutcome.Refused;
        }
        await output.WriteLineAsync($"run {folder.Name} started; it goes on without this command. Watch it with: fathom status {run} --cluster {membership}");
        await output.WriteLineAsync($"fetch its curves with: fathom results {run} --cluster {membership} --results {Path.GetDirectoryName(folder.Path)}");
        return RunOutcome.Finished;
    }

    /// <summary>How long the cluster may stay unreachable (its silos restarting, a network cut) before the command gives up.</summary>
    static readonly TimeSpan UnreachableLimit = TimeSpan.FromMinutes(5);

    /// <summary>
    /// The run's status; while the cluster cannot answer (the experiment's silo died and it is being reactivated, or the
    /// network is cut) it says so once and asks again, up to <see cref="UnreachableLimit"/>.
    /// </summary>
    async Task<ExperimentStatus?> StatusAsync(IExperimentGrain grain, CancellationToken interrupt)
    {
        var since = _clock.Elapsed;
        var told = false;
        while (true)
        {
            try
            {
                return await grain.GetStatus();
            }
            catch (Exception e) when (e is OrleansException or TimeoutException or SiloUnavailableException && _clock.Elapsed - since < UnreachableLimit && !interrupt.IsCancellationRequested)
            {
                if (!told) await Console.Error.WriteLineAsync($"fathom: the cluster did not answer ({e.GetType().Name}); asking again (up to {UnreachableLimit.TotalMinutes:0} min)");
                told = true;
                try { await Task.Delay(PollPeriod, interrupt); }
                catch (OperationCanceledException) { return null; }
            }
        }
    }

    /// <summary>One progress frame per poll until the run is over or interrupted; metrics.csv grows every few seconds.</summary>
    async IAsyncEnumerable<RunProgress> Frames(IExperimentGrain grain, long offset, [EnumeratorCancellation] CancellationToken interrupt)
    {
        TimeSpan? lastMetrics = null;
        while (!interrupt.IsCancellationRequested)
        {
            if (await StatusAsync(grain, interrupt) is not { } status) yield break;
            _last = status;
            if (_last.State == ExperimentState.NotStarted)
            {
                // Started, yet the cluster knows nothing of it: deleted (`fathom delete --force`) or its record was lost.
                await Console.Error.WriteLineAsync($"fathom: run {folder.Name} is gone from the cluster (deleted, or its record was lost)");
                yield break;
            }
            var frame = Frame(_last, offset);
            RecordNewEvaluations(frame);
            if (lastMetrics is not { } at || frame.Elapsed - at >= MetricsPeriod || _last.IsOver)
            {
                MetricsCsv.Append(folder.Metrics, frame.ToMetrics());
                lastMetrics = frame.Elapsed;
            }
            yield return frame;
            if (_last.IsOver) yield break;
            try { await Task.Delay(PollPeriod, interrupt); }
            catch (OperationCanceledException) { yield break; }
        }
    }

    /// <summary>Adds each learner's latest evaluation to eval.csv when it is new (evaluations are minutes apart, polls a second).</summary>
    void RecordNewEvaluations(RunProgress frame)
    {
        var added = false;
        foreach (var eval in frame.Learners.Select(l => l.LatestEval).OfType<EvalPoint>())
        {
            if (_evals.Any(p => p.Learner == eval.Learner && p.Updates == eval.Updates && p.EnvSteps == eval.EnvSteps)) continue;
            _evals.Add(eval);
            added = true;
        }
        if (added) EvalCsv.Write(folder.Eval, _evals);
    }

    /// <summary>
    /// The status once the experiment has left Stopping (at most <see cref="StopTimeout"/>): its last poll counts what
    /// the stopped collectors stored and takes the learners' final evaluations, so the resume point's env steps are
    /// not behind the evaluations already recorded.
    /// </summary>
    async Task<ExperimentStatus> AwaitStopped(IExperimentGrain grain)
    {
        var deadline = _clock.Elapsed + StopTimeout;
        var status = await grain.GetStatus();
        while (status.State == ExperimentState.Stopping && _clock.Elapsed < deadline)
        {
            await Task.Delay(PollPeriod);
            status = await grain.GetStatus();
        }
        return status;
    }

    RunProgress Frame(ExperimentStatus status, long offset)
    {
        var now = _clock.Elapsed;
        return StatusFrames.From(status, spec, folder.Name, offset, now, (key, count) => key == StatusFrames.EnvKey ? _envRate.Observe(key, now, count) : _updateRates.Observe(key, now, count));
    }

    /// <summary>
    /// Starts a resumed segment: the cluster keeps the replay its store still holds (env steps then go on from the
    /// store's own count) or starts from an empty one (counted on from where the run stopped); says which. Returns the
    /// env-step offset of this segment's counts.
    /// </summary>
    async Task<long> StartSegment(IExperimentGrain grain, string run, ResumePoint resume)
    {
        var start = await grain.Resume(spec, run, resume.EnvSteps);
        await output.WriteLineAsync(start.KeptReplay
            ? $"resume keeps the replay the store still holds: {start.KeptTransitions:N0} transitions in {start.KeptEpisodes:N0} episodes"
            : $"the store no longer holds the run's replay: resume starts from an empty replay and collects the remaining {spec.BudgetEnvSteps - resume.EnvSteps:N0} env steps");
        return start.EnvStepsOffset;
    }

    async Task RestoreCheckpoints(string key, ResumePoint resume, CancellationToken cancel)
    {
        foreach (var (learner, updates) in resume.Updates)
        {
            var path = ResumePoint.LearnerFile(folder, learner); // ResumePoint.Read has checked that it exists
            await cluster.Checkpoints.Save(key, learner, updates, await File.ReadAllBytesAsync(path, cancel), cancel);
        }
    }

    async Task SaveCheckpoints(string key, int segment, long offset)
    {
        Directory.CreateDirectory(folder.Checkpoint);
        var updates = new Dictionary<string, long>();
        foreach (var learner in spec.Learners)
        {
            if (await cluster.Checkpoints.LoadLatest(key, learner.Name, CancellationToken.None) is not { } checkpoint) continue;
            await File.WriteAllBytesAsync(ResumePoint.LearnerFile(folder, learner.Name), checkpoint.State);
            updates[learner.Name] = checkpoint.Updates;
        }
        new ResumePoint(segment, offset + (_last?.EnvSteps ?? 0), updates).Write(folder);
    }

    void WriteResults(ExperimentResults results, IEnumerable<EvalPoint> earlier, long offset)
    {
        EvalCsv.Write(folder.Eval, earlier.Concat(ResultRows.Evals(folder.Name, results.Learners, offset)));
        if (results.Topology.Length > 0)
            TopologyCsv.Write(folder.Topology, results.Topology.SelectMany(g => ResultRows.Topology(folder.Name, g, spec)));
        Report.Draw(folder);
    }

    async Task Summarise(ExperimentResults results, EvalPoint random)
    {
        await output.WriteLineAsync($"run {folder.Name} finished: {results.EnvSteps:N0} env steps in {ProgressView.Clock(_clock.Elapsed)}");
        foreach (var curve in EvalCsv.Read(folder.Eval).Where(p => p.Role != RandomBaseline.Role).GroupBy(p => p.Learner))
        {
            var (tag, success, distance) = FinalScore.Of(curve);
            var first = curve.First();
            var distanceSe = FinalScore.Last(curve).Average(p => p.FinalDistanceSe);
            await output.WriteLineAsync($"  {first.Learner} ({first.Role}, depth {first.Depth}): time at goal {tag:0.0} (success {success:0.00}, final distance {distance:0.00}{PlusMinus(distanceSe)}) vs random {random.TimeAtGoal:0.0} (success {random.SuccessAny:0.00}, final distance {random.FinalDistance:0.00}{PlusMinus(random.FinalDistanceSe)})");
        }
        await output.WriteLineAsync($"results in {folder.Path}: {string.Join(", ", Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order())}");
    }

    /// <summary>" ± se" for a distance's standard error over eval episodes (one evaluation's; nothing when unknown).</summary>
    static string PlusMinus(double se) => double.IsNaN(se) ? "" : $" ± {se:0.00}";
}
