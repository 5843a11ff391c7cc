using System.Diagnostics;

namespace Fathom.Replay;

/// <summary>
/// One learner's samples-per-insert gate (Reverb's SampleToInsertRatio, in transitions). The learner calls
/// <see cref="WaitToSampleAsync"/> before each minibatch; a collector that should follow this learner's pace may
/// call <see cref="WaitToInsertAsync"/> before each episode. Inserts are read from the store's monotone counter,
/// starting from what it holds when the limiter first looks. Time spent waiting is counted
/// (<see cref="BlockedTime"/>, fathom.ratelimiter.blocked).
/// </summary>
public sealed class SampleToInsertRatioLimiter
{
    private readonly RateLimiterSettings _settings;
    private readonly IReplayStore _store;
    private readonly int _batchSize;
    private readonly int _episodeLength;
    private readonly TimeSpan _pollInterval;
    private readonly KeyValuePair<string, object?>[] _tags;
    private readonly Lock _lock = new();
    private long? _baseline;
    private long _inserted, _sampled, _size, _blockedTicks, _lastRefresh;

    /// <param name="batchSize">Transitions one <see cref="WaitToSampleAsync"/> reserves (the learner's B).</param>
    /// <param name="episodeLength">Transitions of one insert (an episode).</param>
    /// <param name="learner">Metric label of the learner.</param>
    /// <param name="pollInterval">How often a blocked wait re-reads the store's counters (default 20 ms).</param>
    /// <param name="resumedSamples">
    /// For a learner resuming from a checkpoint: the transitions it had sampled. Inserts then count from the store's
    /// first append (not from what it holds now), so the learner goes on at its ratio instead of sampling the whole
    /// store again.
    /// </param>
    public SampleToInsertRatioLimiter(RateLimiterSettings settings, IReplayStore store, int batchSize, int episodeLength, string learner, TimeSpan? pollInterval = null,
        long? resumedSamples = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(store);
        settings.CheckNoDeadlock(store.Options.CapacityTransitions, batchSize, episodeLength);
        _pollInterval = pollInterval ?? TimeSpan.FromMilliseconds(20);
        if (_pollInterval <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(pollInterval), pollInterval, "PollInterval must be positive.");
        _settings = settings;
        _store = store;
        _batchSize = batchSize;
        _episodeLength = episodeLength;
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
    public Task WaitToSampleAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => WaitAsync(TryReserveSample, "sample", timeout, alwaysRefresh: false, cancellationToken);

    /// <summary>Waits until one episode may be inserted without running ahead of this learner.</summary>
    public Task WaitToInsertAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        => WaitAsync(CanInsert, "insert", timeout, alwaysRefresh: true, cancellationToken);

    private bool TryReserveSample()
    {
        if (_size < _settings.MinSizeToSample) return false;
        if (_inserted * _settings.SamplesPerInsert - (_sampled + _batchSize) < _settings.MinDiff) return false;
        _sampled += _batchSize;
        ReplayTelemetry.SamplesPerInsert.Record(_inserted == 0 ? 0 : (double)_sampled / _inserted, _tags);
        return true;
    }

    private bool CanInsert()
        => _size < _settings.MinSizeToSample || (_inserted + _episodeLength) * _settings.SamplesPerInsert - _sampled <= _settings.MaxDiff;

    private async Task WaitAsync(Func<bool> allowed, string what, TimeSpan timeout, bool alwaysRefresh, CancellationToken cancellationToken)
    {
        if (timeout <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(timeout), timeout, "Timeout must be positive.");
        bool fresh;
        lock (_lock) fresh = _baseline is not null && !(alwaysRefresh && Stopwatch.GetElapsedTime(_lastRefresh) >= _pollInterval);
        if (fresh && Check(allowed)) return;

        long start = Stopwatch.GetTimestamp();
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            while (true)
            {
                await RefreshAsync(deadline.Token);
                if (Check(allowed)) return;
                await Task.Delay(_pollInterval, deadline.Token);
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            lock (_lock)
                throw new TimeoutException(
                    $"Rate limiter of run '{_store.Options.Run}' did not allow a {what} within {timeout}: size {_size} (min {_settings.MinSizeToSample}), " +
                    $"inserted {_inserted}, sampled {_sampled}, samples per insert {_settings.SamplesPerInsert} ± buffer {_settings.ErrorBuffer}.");
        }
        finally
        {
            var blocked = Stopwatch.GetElapsedTime(start);
            Interlocked.Add(ref _blockedTicks, blocked.Ticks);
            ReplayTelemetry.RateLimiterBlocked.Add(blocked.TotalSeconds, _tags);
        }
    }

    private bool Check(Func<bool> allowed)
    {
        lock (_lock) return allowed();
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        var sizes = await _store.GetSizesAsync(cancellationToken);
        lock (_lock)
        {
            _baseline ??= sizes.InsertedTransitions - sizes.Transitions;
            _inserted = Math.Max(_inserted, sizes.InsertedTransitions - _baseline.Value);
            _size = sizes.Transitions;
            _lastRefresh = Stopwatch.GetTimestamp();
        }
    }
}
