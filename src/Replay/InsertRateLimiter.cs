using System.Diagnostics;

namespace Fathom.Replay;

/// <summary>
/// A writer's side of the samples-per-insert rule (Reverb's insert check), over every live learner of a run: an
/// insert of N transitions waits until <see cref="RateLimiterSettings.AllowsInsert"/> holds for each learner whose
/// <see cref="RateLimiterLedger"/> entry is fresh, counted from the store's monotone insert counter and that learner's
/// published sampled count. So collection never runs away from the slowest learner, and a learner that stopped or
/// died (stale entry) holds nobody back. A learner with no entry yet holds inserts for
/// <see cref="RateLimiterLedger.StaleAfter"/> after this limiter was made, the time a starting learner has to report.
/// </summary>
public sealed class InsertRateLimiter
{
    /// <summary>What the rule needs to know of one learner: its name (ledger field), its settings and its batch.</summary>
    public sealed record Learner(string Name, RateLimiterSettings Settings, int BatchSize);

    private readonly IReplayStore _store;
    private readonly RateLimiterLedger _ledger;
    private readonly IReadOnlyList<Learner> _learners;
    private readonly TimeSpan _pollInterval;
    private readonly DateTime _createdAt = DateTime.UtcNow;
    private long _blockedTicks;

    /// <param name="pollInterval">How often a blocked wait re-reads the store and the ledger (default 20 ms).</param>
    public InsertRateLimiter(IReplayStore store, RateLimiterLedger ledger, IReadOnlyList<Learner> learners, TimeSpan? pollInterval = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(ledger);
        ArgumentNullException.ThrowIfNull(learners);
        _pollInterval = pollInterval ?? TimeSpan.FromMilliseconds(20);
        if (_pollInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(pollInterval), pollInterval, "PollInterval must be positive.");
        _store = store;
        _ledger = ledger;
        _learners = learners;
    }

    /// <summary>Total time callers waited on this limiter.</summary>
    public TimeSpan BlockedTime => TimeSpan.FromTicks(Interlocked.Read(ref _blockedTicks));

    /// <summary>
    /// Waits until <paramref name="transitions"/> may be inserted without running ahead of any live learner;
    /// <see cref="TimeoutException"/> naming the learners that hold it after <paramref name="timeout"/>.
    /// </summary>
    public async Task WaitToInsertAsync(long transitions, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(transitions);
        if (timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "Timeout must be positive.");
        long start = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        IReadOnlyList<string> holding = [];
        try
        {
            while ((holding = await HoldingAsync(transitions, deadline.Token)).Count > 0)
                await Task.Delay(_pollInterval, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"Rate limiter of run '{_store.Options.Run}' did not allow an insert of {transitions} transitions within {timeout}: " +
                                       $"held by learner(s) {string.Join(", ", holding)}, which have not yet sampled what was inserted before.");
        }
        finally
        {
            Interlocked.Add(ref _blockedTicks, Stopwatch.GetElapsedTime(start).Ticks);
        }
    }

    /// <summary>The learners that do not allow an insert of <paramref name="transitions"/> now (none: it may go in).</summary>
    public async Task<IReadOnlyList<string>> HoldingAsync(long transitions, CancellationToken cancellationToken = default)
    {
        var sizes = await _store.GetSizesAsync(cancellationToken);
        var entries = await _ledger.ReadAsync(_store.Options.Run, cancellationToken);
        var now = DateTime.UtcNow;
        var holding = new List<string>();
        foreach (var learner in _learners)
        {
            if (!entries.TryGetValue(learner.Name, out var entry))
            {
                // Not reported yet: below its minimum size nothing can run ahead of it; beyond, it holds until its grace ends.
                if (sizes.Transitions >= learner.Settings.MinSizeToSample && now - _createdAt <= RateLimiterLedger.StaleAfter) holding.Add(learner.Name);
                continue;
            }
            if (entry.IsStale(now)) continue;
            var inserted = Math.Max(0, sizes.InsertedTransitions - entry.InsertedBaseline);
            if (!learner.Settings.AllowsInsert(sizes.Transitions, inserted, entry.Sampled, transitions, learner.BatchSize)) holding.Add(learner.Name);
        }
        return holding;
    }
}
