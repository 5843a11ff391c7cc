using StackExchange.Redis;

namespace Fathom.Grains.Stores;

/// <summary>
/// Back-pressure from learners to collectors across processes. Each learner publishes its backlog: transitions
/// inserted since it started that its samples have not yet covered at its samples-per-insert ratio
/// (inserted - sampled / samples-per-insert). Collectors pause while any live learner's backlog exceeds what they
/// allow, so every learner keeps its configured update-to-data ratio however fast the collectors could run. A learner that has not reported for <see cref="StaleAfter"/>
/// (stopped, or its silo died) does not hold collection back.
/// </summary>
public sealed class LearnerPace(IDatabase database, TimeSpan timeout)
{
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(20);

    public Task Report(string run, string learner, double backlogTransitions, CancellationToken cancellation) =>
        database.HashSetAsync(Key(run), learner, $"{backlogTransitions.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}@{DateTime.UtcNow.Ticks}")
            .WaitAsync(timeout, cancellation);

    public Task Remove(string run, string learner, CancellationToken cancellation) =>
        database.HashDeleteAsync(Key(run), learner).WaitAsync(timeout, cancellation);

    /// <summary>The largest backlog over <paramref name="learners"/>; infinity if one of them has no recent report.</summary>
    public async Task<double> MaxBacklog(string run, IReadOnlyCollection<string> learners, CancellationToken cancellation)
    {
        var entries = (await database.HashGetAllAsync(Key(run)).WaitAsync(timeout, cancellation))
            .ToDictionary(e => (string)e.Name!, e => ((string)e.Value!).Split('@'));
        var now = DateTime.UtcNow.Ticks;
        var max = 0.0;
        foreach (var learner in learners)
        {
            if (!entries.TryGetValue(learner, out var parts) || now - long.Parse(parts[1]) > StaleAfter.Ticks) return double.PositiveInfinity;
            max = Math.Max(max, double.Parse(parts[0], System.Globalization.CultureInfo.InvariantCulture));
        }
        return max;
    }

    private static string Key(string run) => $"fathom:{run}:pace";

    /// <summary>SCAN pattern of the run's pace key (see <see cref="RunKeys"/>).</summary>
    public static string RunPattern(string run) => Key(run);
}
