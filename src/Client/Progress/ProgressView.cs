using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Fathom.Client.Progress;

/// <summary>
/// Shows run progress: a live Spectre.Console table on a terminal, or one plain line every few
/// seconds when the output is redirected (logs, CI, tests), so that files stay readable.
/// </summary>
public static class ProgressView
{
    static readonly TimeSpan PlainLineInterval = TimeSpan.FromSeconds(5);

    public static Task ShowAsync(IAsyncEnumerable<RunProgress> frames, CancellationToken cancel) =>
        Console.IsOutputRedirected ? PlainAsync(frames, Console.Out, cancel) : LiveAsync(frames, cancel);

    public static async Task PlainAsync(IAsyncEnumerable<RunProgress> frames, TextWriter output, CancellationToken cancel)
    {
        TimeSpan? last = null;
        var estimate = new TimeLeftEstimate();
        await foreach (var frame in frames.WithCancellation(cancel))
        {
            var left = estimate.Observe(frame); // every frame, also those not written: stability is judged on all of them
            if (last is { } at && frame.Elapsed - at < PlainLineInterval && !frame.Finished) continue;
            last = frame.Elapsed;
            await output.WriteLineAsync(PlainLine(frame, left));
            await output.FlushAsync(cancel);
        }
    }

    static async Task LiveAsync(IAsyncEnumerable<RunProgress> frames, CancellationToken cancel)
    {
        var estimate = new TimeLeftEstimate();
        await AnsiConsole.Live(new Text("starting...")).AutoClear(false).StartAsync(async context =>
        {
            await foreach (var frame in frames.WithCancellation(cancel))
            {
                context.UpdateTarget(Table(frame, estimate.Observe(frame)));
                context.Refresh();
            }
        });
    }

    /// <summary>One line for a single reading (<c>fathom status</c>): its time left is that frame's own estimate.</summary>
    public static string PlainLine(RunProgress p) => PlainLine(p, p.TimeLeft);

    /// <summary>
    /// One line: elapsed, env steps and rate, replay fill, out-of-memory retries (only when there were any), time left
    /// (<paramref name="left"/>; null while still estimating), then each learner (role, depth, device) with its updates,
    /// rate and latest evaluation.
    /// </summary>
    public static string PlainLine(RunProgress p, TimeSpan? left)
    {
        var learners = p.Learners.Select(l =>
            $"{l.Name}[{l.Role},d{l.Depth}{(l.Device.Length > 0 ? "," + l.Device : "")}] {Count(l.Updates)} upd ({l.UpdatesPerSecond:0.0}/s) tag {Eval(l)}");
        return $"[{Clock(p.Elapsed)}] env {Count(p.EnvSteps)}/{Count(p.EnvStepBudget)} ({p.EnvStepsPerSecond:0}/s) " +
               $"replay {Percent(p.ReplayFill)}{Oom(p)} lag {p.PolicyLag} left {Left(left)} | {string.Join(" | ", learners)}";
    }

    /// <summary>The live table: title with elapsed and time left (<paramref name="left"/>; null while still estimating), counts, one row per learner.</summary>
    public static IRenderable Table(RunProgress p, TimeSpan? left)
    {
        var table = new Table().Border(TableBorder.Rounded)
            .Title($"[bold]{Markup.Escape(p.Run)}[/]  {Clock(p.Elapsed)} elapsed, {(left is { } t ? Clock(t) + " left" : "time left " + Estimating)}")
            .Caption($"env steps {Count(p.EnvSteps)} / {Count(p.EnvStepBudget)} ({p.EnvStepsPerSecond:0}/s)   replay {Percent(p.ReplayFill)}{Oom(p)}   policy lag {p.PolicyLag}")
            .AddColumns("learner", "role", "depth", "device", "updates", "updates/s", "time at goal", "success any", "at env steps");
        foreach (var l in p.Learners)
            table.AddRow(Markup.Escape(l.Name), l.Role, $"{l.Depth}", l.Device.Length > 0 ? l.Device : "-", Count(l.Updates), $"{l.UpdatesPerSecond:0.0}",
                Eval(l), l.LatestEval is { } e ? Percent(e.SuccessAny) : "-", l.LatestEval is { } at ? Count(at.EnvSteps) : "-");
        return table;
    }

    /// <summary>" (N out-of-memory retries)" when the replay store refused appends as out of memory, else nothing.</summary>
    static string Oom(RunProgress p) => p.OomRetries > 0 ? $" ({Count(p.OomRetries)} out-of-memory retries)" : "";

    static string Eval(LearnerFrame l) =>
        l.LatestEval is { } e ? $"{e.TimeAtGoal:0.0}±{e.TimeAtGoalSe:0.0}" : "-";

    static string Percent(double fraction) => $"{fraction * 100:0}%";

    static string Count(long n) => n.ToString("N0", CultureInfo.InvariantCulture);

    /// <summary>A duration as m:ss, or h:mm:ss from an hour on (hours keep counting past a day).</summary>
    public static string Clock(TimeSpan t) => t.TotalHours >= 1 ? $"{(long)t.TotalHours}:{t:mm\\:ss}" : t.ToString(@"m\:ss");

    /// <summary>The time left, or "estimating..." while the estimate has not settled (<see cref="TimeLeftEstimate"/>).</summary>
    static string Left(TimeSpan? left) => left is { } t ? Clock(t) : Estimating;

    public const string Estimating = "estimating...";
}
