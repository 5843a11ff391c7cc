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

    /// <summary>The cluster refused to start the run (a spec it cannot hold, such as one too large for the stores' memory): bad input.</summary>
    Refused = 2,
    Interrupted = Interrupt.ExitCode,
}

/// <summary>
/// Runs one experiment (or the next segment of an interrupted one) to its end: starts the experiment grain,
/// shows progress and appends metrics.csv while it runs, and at the end (budget reached, failure or Ctrl-C)
/// writes eval.csv, topology.csv and the plots. On Ctrl-C it stops the workers, copies every learner's latest
/// checkpoint into results/&lt;run&gt;/checkpoint/ and says how to resume. The experiment's grain key is
/// <paramref name="runKey"/> (default: the folder's name; a sweep prefixes its own name so runs never collide).
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

    public async Task<RunOutcome> RunAsync(ResumePoint? resume, CancellationToken interrupt)
    {
        var segment = (resume?.Segment ?? 0) + 1;
        var key = ResumePoint.SegmentKey(runKey ?? folder.Name, segment);
        var offset = resume?.EnvSteps ?? 0;
        if (offset >= spec.BudgetEnvSteps)
        {
            await output.WriteLineAsync($"run {folder.Name} already collected its budget of {spec.BudgetEnvSteps:N0} env steps; nothing to resume");
            return RunOutcome.Finished;
        }
        var earlier = resume is not null && File.Exists(folder.Eval) ? EvalCsv.Read(folder.Eval) : [];
        var random = earlier.FirstOrDefault(p => p.Role == RandomBaseline.Role) ?? RandomBaseline.Evaluate(folder.Name, spec);
        if (resume is not null) await RestoreCheckpoints(key, resume, interrupt);

        var grain = cluster.Client.GetGrain<IExperimentGrain>(key);
        try
        {
            await grain.Start(spec with { BudgetEnvSteps = spec.BudgetEnvSteps - offset });
        }
        catch (Exception e) when (e is SpecException or InvalidOperationException)
        {
            // Refused before anything ran: say why, without a stack trace, and leave no half-made run folder behind.
            await Console.Error.WriteLineAsync($"fathom: run {folder.Name} was refused: {e.Message}");
            if (resume is null && Directory.GetFiles(folder.Path).All(f => f == folder.Spec) && Directory.GetDirectories(folder.Path).Length == 0)
                Directory.Delete(folder.Path, recursive: true);
            return RunOutcome.Refused;
        }
        await ProgressView.ShowAsync(Frames(grain, offset, interrupt), CancellationToken.None);

        if (interrupt.IsCancellationRequested && _last is not { IsOver: true })
        {
            await grain.Stop().WaitAsync(StopTimeout);
            _last = await AwaitStopped(grain);
        }
        // Stopped by Ctrl-C here or by `fathom stop` elsewhere: keep what it takes to resume.
        var stopped = _last?.State is ExperimentState.Stopping or ExperimentState.Stopped;
        if (stopped) await SaveCheckpoints(key, segment, offset);
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

    /// <summary>One progress frame per poll until the run is over or interrupted; metrics.csv grows every few seconds.</summary>
    async IAsyncEnumerable<RunProgress> Frames(IExperimentGrain grain, long offset, [EnumeratorCancellation] CancellationToken interrupt)
    {
        TimeSpan? lastMetrics = null;
        while (!interrupt.IsCancellationRequested)
        {
            _last = await grain.GetStatus();
            if (_last.State == ExperimentState.NotStarted)
            {
                // Started, yet the cluster knows nothing of it: deleted (`fathom delete --force`) or its record was lost.
                await Console.Error.WriteLineAsync($"fathom: run {folder.Name} is gone from the cluster (deleted, or its record was lost)");
                yield break;
            }
            var frame = Frame(_last, offset);
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

    async Task RestoreCheckpoints(string key, ResumePoint resume, CancellationToken cancel)
    {
        foreach (var (learner, updates) in resume.Updates)
        {
            var path = ResumePoint.LearnerFile(folder, learner);
            if (!File.Exists(path)) throw new FileNotFoundException($"checkpoint of learner '{learner}' missing: {path}");
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
        await output.WriteLineAsync($"run {folder.Name} finished: {results.EnvSteps:N0} env steps in {_clock.Elapsed:m\\:ss}");
        foreach (var curve in EvalCsv.Read(folder.Eval).Where(p => p.Role != RandomBaseline.Role).GroupBy(p => p.Learner))
        {
            var (tag, success, distance) = FinalScore.Of(curve);
            var first = curve.First();
            await output.WriteLineAsync($"  {first.Learner} ({first.Role}, depth {first.Depth}): time at goal {tag:0.0} (success {success:0.00}, final distance {distance:0.00}) vs random {random.TimeAtGoal:0.0} (success {random.SuccessAny:0.00})");
        }
        await output.WriteLineAsync($"results in {folder.Path}: {string.Join(", ", Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order())}");
    }
}
