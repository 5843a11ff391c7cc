using System.Globalization;
using StackExchange.Redis;

namespace Fathom.Replay;

/// <summary>
/// Where a run's learners publish their side of the samples-per-insert rule, so that collectors in other processes
/// can apply the same rule (<see cref="InsertRateLimiter"/>): one hash per run on the state store, one field per
/// learner holding its <see cref="RateLimiterEntry"/>. An entry older than <see cref="StaleAfter"/> belongs to a learner
/// that stopped or whose silo died; it no longer holds collection back.
/// </summary>
public sealed class RateLimiterLedger(IDatabase database, TimeSpan timeout)
{
    /// <summary>Age after which a learner's entry no longer counts.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromSeconds(20);

    /// <summary>Publishes <paramref name="learner"/>'s counts, stamped with this process's UTC clock.</summary>
    public Task ReportAsync(string run, string learner, long insertedBaseline, long sampled, CancellationToken cancellation) =>
        database.HashSetAsync(Key(run), learner,
                string.Create(CultureInfo.InvariantCulture, $"{insertedBaseline}:{sampled}:{DateTime.UtcNow.Ticks}"))
            .WaitAsync(timeout, cancellation);

    /// <summary>Removes a learner that has ended, so that it holds nobody back while its entry would still be fresh.</summary>
    public Task RemoveAsync(string run, string learner, CancellationToken cancellation) =>
        database.HashDeleteAsync(Key(run), learner).WaitAsync(timeout, cancellation);

    /// <summary>Every learner's latest entry, by learner name.</summary>
    public async Task<IReadOnlyDictionary<string, RateLimiterEntry>> ReadAsync(string run, CancellationToken cancellation)
    {
        var fields = await database.HashGetAllAsync(Key(run)).WaitAsync(timeout, cancellation);
        return fields.ToDictionary(f => (string)f.Name!, f => Parse(run, f.Name!, f.Value!));
    }

    private static RateLimiterEntry Parse(string run, string learner, string value)
    {
        var parts = value.Split(':');
        if (parts.Length == 3
            && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var baseline)
            && long.TryParse(parts[1], NumberStyles.Integer, CultureInfo.InvariantCulture, out var sampled)
            && long.TryParse(parts[2], NumberStyles.Integer, CultureInfo.InvariantCulture, out var ticks)
            && ticks is >= 0 and <= 3155378975999999999)
            return new RateLimiterEntry(baseline, sampled, new DateTime(ticks, DateTimeKind.Utc));
        throw new InvalidDataException($"rate limiter ledger {Key(run)}: field '{learner}' holds '{value}', expected BASELINE:SAMPLED:UTC_TICKS (three integers)");
    }

    /// <summary>The hash of <paramref name="run"/>'s entries.</summary>
    public static string Key(string run) => $"fathom:{run}:ratelimiter";

    /// <summary>SCAN pattern of the run's ledger key (its data, deleted with the run's other keys).</summary>
    public static string RunPattern(string run) => Key(run);
}

/// <summary>
/// One learner's published counts: inserts count for it from the store's monotone counter minus
/// <see cref="InsertedBaseline"/>, and it has sampled <see cref="Sampled"/> transitions; reported at <see cref="ReportedAt"/>.
/// </summary>
public readonly record struct RateLimiterEntry(long InsertedBaseline, long Sampled, DateTime ReportedAt)
{
    public bool IsStale(DateTime utcNow) => utcNow - ReportedAt > RateLimiterLedger.StaleAfter;
}
