namespace Fathom.Client.Progress;

/// <summary>
/// Turns counters read at successive moments into rates per second over a sliding window of
/// readings, so that a slow poll or a burst does not make the display jump.
/// </summary>
public sealed class RateMeter(TimeSpan window)
{
    readonly Dictionary<string, Queue<(TimeSpan At, long Count)>> _history = [];

    /// <summary>Records <paramref name="count"/> for <paramref name="key"/> at <paramref name="at"/> and returns its rate (0 until two readings exist).</summary>
    public double Observe(string key, TimeSpan at, long count)
    {
        if (!_history.TryGetValue(key, out var readings)) _history[key] = readings = new();
        readings.Enqueue((at, count));
        while (readings.Count > 2 && at - readings.Peek().At > window) readings.Dequeue();
        var (firstAt, firstCount) = readings.Peek();
        var seconds = (at - firstAt).TotalSeconds;
        return seconds <= 0 ? 0 : Math.Max(0, count - firstCount) / seconds;
    }
}
