namespace Fathom.Client.Progress;

/// <summary>
/// The time left as the progress display shows it. Each frame's counts give paces measured over long windows (a
/// learner's from its first update on, so its wait for the replay minimum does not count, and evaluation pauses
/// average out), and <see cref="RunProgress.TimeLeftAt"/> those paces a predicted end. It is shown only once the run
/// has made some progress and the ends predicted over the last <see cref="MinSpan"/> or more agree: early in a run
/// collectors race to the replay's minimum while learners wait, and until the estimates settle the display says so.
/// </summary>
public sealed class TimeLeftEstimate
{
    /// <summary>Window of the collectors' pace: env steps arrive a collector's chunk of whole episodes at a time.</summary>
    public static readonly TimeSpan EnvPaceWindow = TimeSpan.FromMinutes(2);

    /// <summary>Window of each learner's pace: long enough to average out the pauses its evaluations make.</summary>
    public static readonly TimeSpan LearnerPaceWindow = TimeSpan.FromMinutes(1);

    /// <summary>How far back predicted ends are kept: the median of those that agree is shown.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromSeconds(30);

    /// <summary>The shortest stretch of agreeing estimates that is shown.</summary>
    public static readonly TimeSpan MinSpan = TimeSpan.FromSeconds(10);

    /// <summary>Share of the env-step budget collected before any estimate is shown.</summary>
    public const double MinProgress = 0.05;

    /// <summary>Predicted ends may spread by this share of the time left (or by <see cref="MinSpread"/>) and still agree.</summary>
    public const double Tolerance = 0.2;

    /// <summary>The spread always allowed, so that a run's last seconds are not hidden by a second's jitter.</summary>
    public static readonly TimeSpan MinSpread = TimeSpan.FromSeconds(10);

    readonly RateMeter _envPace = new(EnvPaceWindow);
    readonly RateMeter _learnerPaces = new(LearnerPaceWindow);
    readonly Queue<(TimeSpan At, TimeSpan? End)> _ends = new();
    bool _shown;

    /// <summary>Takes the next frame; returns the time left to show, or null while it is still being estimated.</summary>
    public TimeSpan? Observe(RunProgress frame)
    {
        if (frame.Finished) return TimeSpan.Zero;
        var now = frame.Elapsed;
        var envPace = _envPace.Observe("", now, frame.EnvSteps);
        var learnerPaces = frame.Learners.ToDictionary(l => l.Name, l => l.Updates > 0 ? _learnerPaces.Observe(l.Name, now, l.Updates) : 0);
        _ends.Enqueue((now, frame.TimeLeftAt(envPace, l => learnerPaces[l.Name]) is { } left ? now + left : null));
        while (now - _ends.Peek().At > Window) _ends.Dequeue();
        var shown = frame.EnvSteps >= MinProgress * frame.EnvStepBudget ? Settled(now) : null;
        _shown = shown is not null;
        return shown;
    }

    /// <summary>
    /// The time left to the median of the newest predicted ends that agree with each other, when they span at least
    /// <see cref="MinSpan"/>; an unknown estimate or one that disagrees ends that stretch. Once an estimate is shown,
    /// twice the tolerance keeps it shown, so that one jittery reading does not make it blink.
    /// </summary>
    TimeSpan? Settled(TimeSpan now)
    {
        if (_ends.Last().End is not { } newest) return null;
        var tolerance = _shown ? 2 * Tolerance : Tolerance;
        var allowed = TimeSpan.FromTicks(Math.Max((long)(Math.Max(0, (newest - now).Ticks) * tolerance), MinSpread.Ticks));
        var agreeing = new List<TimeSpan>();
        TimeSpan low = newest, high = newest, since = now;
        foreach (var (at, end) in _ends.Reverse())
        {
            if (end is not { } e || (e > high ? e : high) - (e < low ? e : low) > allowed) break;
            if (e > high) high = e;
            if (e < low) low = e;
            agreeing.Add(e);
            since = at;
        }
        if (now - since < MinSpan) return null;
        agreeing.Sort();
        var median = agreeing[agreeing.Count / 2];
        return median > now ? median - now : TimeSpan.Zero;
    }
}
