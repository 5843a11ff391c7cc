using System.Diagnostics;

namespace Fathom.Replay;

/// <summary>
/// One learner's samples-per-insert gate (Reverb's SampleToInsertRatio, in transitions): the learner calls
/// <see cref="WaitToSampleAsync"/> before each minibatch. Inserts are read from the store's monotone counter,
/// starting from what it holds when the limiter first looks. With a <see cref="RateLimiterLedger"/> it publishes its
/// counts there, so that collectors pace themselves by the same rule (<see cref="InsertRateLimiter"/>): at once when it
/// is about to wait, at most every <see cref="ReportPeriod"/> while it samples, and every <see cref="Heartbeat"/>
/// while nothing changes. Time spent waiting is counted (<see cref="BlockedTime"/>, fathom.ratelimiter.blocked).
/// </summary>
public sealed class SampleToInsertRatioLimiter
{
    /// <summary>Longest time a sampling learner's published count may lag behind its own.</summary>
    public static readonly TimeSpan ReportPeriod = TimeSpan.FromMilliseconds(50);

    /// <summary>Longest time between two reports of a learner whose counts do not change (well within <see cref="RateLimiterLedger.StaleAfter"/>).</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(1);

    private readonly RateLimiterSettings _settings;
    private readonly IReplayStore _store;
    private readonly int _batchSize;
    private readonly string _learner;
    private readonly RateLimiterLedger? _ledger;
    private readonly TimeSpan _pollInterval;
    private readonly KeyValuePair<string, object?>[] _tags;
    private readonly Lock _lock = new();
    private long? _baseline;
    private long _inserted, _sampled, _size, _blockedTicks;
    private long _reportedSampled = -1, _reportedAt;

    /// <param name="batchSize">Transitions one <see cref="WaitToSampleAsync"/> reserves (the learner's B).</param>
    /// <param name="episodeLength">Transitions of one episode (the smallest insert), for the deadlock check.</param>
    /// <param name="learner">The learner's name: its metric label and its field in the ledger.</param>
    /// <param name="pollInterval">How often a blocked wait re-reads the store's counters (default 20 ms).</param>
    /// <param name="resumedSamples">
    /// For a learner resuming from a checkpoint: the transitions it had sampled. Inserts then count from the store's
    /// first append (not from what it holds now), so the learner goes on at its ratio instead of sampling the whole
    /// store again.
    /// </param>
    /// <param name="ledger">Where to publish this learner's counts for the collectors; null publishes nothing.</param>
    public SampleToInsertRatioLimiter(RateLimiterSettings settings, IReplayStore store, int batchSize, int episodeLength, string learner, TimeSpan? pollInterval = null,
        long? resumedSamples = null, RateLimiterLedger? ledger = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(store);
        settings.CheckNoDeadlock(store.Options.CapacityTransitions, batchSize, episodeLength);
        _pollInterval = pollInterval ?? TimeSpan.FromMilliseconds(20);
        if (_pollInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(pollInterval), pollInterval, "PollInterval must be positive.");
        _settings = settings;
        _store = store;
        _batchSize = batchSize;
        _learner = learner;
        _ledger = ledger;
        _tags = [new(ReplayTelemetry.Tags.Run, store.Options.Run), new(ReplayTelemetry.Tags.Learner, learner)];
        if (resumedSamples is { } resumed)
        {
            ArgumentOutOfRangeException.ThrowIfNegative(resumed, nameof(resumedSamples));
            _baseline = 0;
            _sampled = resumed;
        }
        ReplayTelemetry.SamplesPerInsertTarget.Record(settings.SamplesPerInsert, _tags);
        ReplayTelemetry.RateLimiterBlocked.Add(0, _tags); // the series exists from the start: never blocked reads 0, not "no data"
    }

    /// <summary>Transitions this learner has been allowed to sample.</summary>
    public long Sampled { get { lock (_lock) return _sampled; } }

    /// <summary>Transitions inserted as seen by this limiter (what the store held at the first look, plus appends since).</summary>
    public long Inserted { get { lock (_lock) return _inserted; } }

    /// <summary>Measured sampled per inserted transition.</summary>
    public double SamplesPerInsert { get { lock (_lock) return _inserted == 0 ? 0 : (double)_sampled / _inserted; } }

    /// <summary>Total time callers waited on this limiter.</summary>
    public TimeSpan BlockedTime => TimeSpan.FromTicks(Interlocked.Read(ref _blockedTicks));

    /// <summary>Waits until one batch may be sampled and reserves it; <see cref="TimeoutException"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitToSampleAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        if (timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "Timeout must be positive.");
        bool known;
        lock (_lock) known = _baseline is not null;
        if (known && TryReserveSample())
        {
            await ReportAsync(ReportPeriod, cancellationToken);
            return;
        }

        long start = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                await RefreshAsync(deadline.Token);
                if (TryReserveSample()) break;
                await ReportAsync(TimeSpan.Zero, deadline.Token); // about to wait: the collectors may go on at once
                await Task.Delay(_pollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            lock (_lock)
                throw new TimeoutException(
                    $"Rate limiter of run '{_store.Options.Run}' did not allow a sample within {timeout}: size {_size} (min {_settings.MinSizeToSample}), " +
                    $"inserted {_inserted}, sampled {_sampled}, samples per insert {_settings.SamplesPerInsert} ± buffer {_settings.ErrorBuffer}.");
        }
        finally
        {
            var blocked = Stopwatch.GetElapsedTime(start);
            Interlocked.Add(ref _blockedTicks, blocked.Ticks);
            ReplayTelemetry.RateLimiterBlocked.Add(blocked.TotalSeconds, _tags);
        }
        await ReportAsync(ReportPeriod, cancellationToken);
    }

    /// <summary>Removes this learner from the ledger (it has ended and must hold no collector back).</summary>
    public Task LeaveAsync(CancellationToken cancellationToken) =>
        _ledger is null ? Task.CompletedTask : _ledger.RemoveAsync(_store.Options.Run, _learner, cancellationToken);

    private bool TryReserveSample()
    {
        lock (_lock)
        {
            if (!_settings.AllowsSample(_size, _inserted, _sampled, _batchSize)) return false;
            _sampled += _batchSize;
            ReplayTelemetry.SamplesPerInsert.Record(_inserted == 0 ? 0 : (double)_sampled / _inserted, _tags);
            return true;
        }
    }

    /// <summary>Publishes the counts when they changed and <paramref name="after"/> has passed since the last report, or a heartbeat is due.</summary>
    private async Task ReportAsync(TimeSpan after, CancellationToken cancellationToken)
    {
        if (_ledger is null) return;
        long baseline, sampled;
        lock (_lock)
        {
            if (_baseline is null) return;
            var since = Stopwatch.GetElapsedTime(_reportedAt);
            if (_reportedSampled >= 0 && since < Heartbeat && (_sampled == _reportedSampled || since < after)) return;
            (baseline, sampled) = (_baseline.Value, _sampled);
            _reportedSampled = sampled;
            _reportedAt = Stopwatch.GetTimestamp();
        }
        await _ledger.ReportAsync(_store.Options.Run, _learner, baseline, sampled, cancellationToken);
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var sizes = await _store.GetSizesAsync(cancellationToken);
        lock (_lock)
        {
            _baseline ??= sizes.InsertedTransitions - sizes.Transitions;
            _inserted = Math.Max(_inserted, sizes.InsertedTransitions - _baseline.Value);
            _size = sizes.Transitions;
        }
    }
}
