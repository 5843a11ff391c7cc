using System.Diagnostics;
using System.Threading.Channels;
using Fathom.Grains.Telemetry;

namespace Fathom.Grains.Replay;

/// <summary>
/// Minibatches of (state, action, hindsight goal) drawn uniformly over the transitions of the whole store,
/// prepared in the background into a bounded channel so that an SGD step finds its batch ready.
/// One fetch draws <see cref="SamplerSettings.EpisodesPerFetch"/> episodes with replacement in proportion to
/// their length; each row then picks one of them uniformly and a time step uniformly, which makes every stored
/// transition equally likely. The goal comes from the same episode, never another.
/// <see cref="SamplerSettings.ConcurrentFetches"/> loops fetch side by side into the channel.
/// </summary>
public sealed class ReplaySampler : IAsyncDisposable
{
    private readonly IReplayStore _store;
    private readonly SamplerSettings _settings;
    private readonly Channel<Minibatch> _ready;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _prefetchers;
    private readonly KeyValuePair<string, object?> _runTag;
    private long _waitedTicks;
    private volatile Exception? _lastError;
    private volatile IndexSnapshot? _index;

    /// <summary>The store's index with cumulative lengths for drawing episodes in proportion to length.</summary>
    private sealed record IndexSnapshot(IReadOnlyList<EpisodeRef> Episodes, long[] Cumulative, long ReadAt);

    public ReplaySampler(IReplayStore store, SamplerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        _store = store;
        _settings = settings;
        _ready = Channel.CreateBounded<Minibatch>(new BoundedChannelOptions(settings.PrefetchDepth) { SingleWriter = settings.ConcurrentFetches == 1, FullMode = BoundedChannelFullMode.Wait });
        _runTag = new(FathomTelemetry.Tags.Run, store.Options.Run);
        _prefetchers = Enumerable.Range(0, settings.ConcurrentFetches).Select(loop =>
        {
            var random = settings.Seed is { } seed ? new Random(seed + loop) : new Random();
            var ended = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            new Thread(() =>
            {
                PrefetchLoop(random, _stop.Token);
                ended.SetResult();
            }) { IsBackground = true, Name = $"replay-prefetch-{loop}" }.Start();
            return ended.Task;
        }).ToArray();
    }

    /// <summary>Total time callers of <see cref="NextAsync"/> waited for a batch (zero when prefetching keeps up).</summary>
    public TimeSpan WaitedForData => TimeSpan.FromTicks(Interlocked.Read(ref _waitedTicks));

    /// <summary>The next minibatch; waits at most <see cref="SamplerSettings.Timeout"/>, then throws <see cref="TimeoutException"/>.</summary>
    public async Task<Minibatch> NextAsync(CancellationToken cancellationToken = default)
    {
        using var span = FathomTelemetry.Source.StartActivity(FathomTelemetry.Spans.ReplaySample);
        if (!_ready.Reader.TryRead(out var batch))
        {
            long start = Stopwatch.GetTimestamp();
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_settings.Timeout);
            try
            {
                batch = await _ready.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested && !_stop.IsCancellationRequested)
            {
                var cause = _lastError is { } e ? $" Last store error: {e.GetType().Name}: {e.Message}" : " The store may hold fewer transitions than needed or be unreachable.";
                throw new TimeoutException($"No minibatch of {_settings.BatchSize} within {_settings.Timeout} for run '{_store.Options.Run}'.{cause}");
            }
            finally
            {
                Interlocked.Add(ref _waitedTicks, Stopwatch.GetElapsedTime(start).Ticks);
            }
        }
        FathomTelemetry.ReplaySampled.Add(batch.Size, _runTag);
        return batch;
    }

    /// <summary>
    /// One prefetch loop, on a thread of its own: the store's reads then block it in the kernel until the reply is
    /// there, instead of waking a pool thread for each part of it (docs/benchmarks.md).
    /// </summary>
    private void PrefetchLoop(Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                var (slots, leased) = FetchEpisodes(random, stop);
                if (slots.Count == 0)
                {
                    stop.WaitHandle.WaitOne(_settings.RetryDelay);
                    continue;
                }
                var batches = new Minibatch[_settings.BatchesPerFetch];
                try
                {
                    long sourceBytes = leased.Sum(e => (long)e.BlobBytes) / batches.Length;
                    for (int b = 0; b < batches.Length; b++) batches[b] = BuildBatch(random, slots, sourceBytes);
                }
                finally
                {
                    foreach (var episode in leased) episode.Dispose();
                }
                foreach (var batch in batches) _ready.Writer.WriteAsync(batch, stop).AsTask().GetAwaiter().GetResult();
                _lastError = null;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // A shard failing over or a read timing out must not end the learner's supply; retry after a pause.
                _lastError = e;
                stop.WaitHandle.WaitOne(_settings.RetryDelay);
            }
        }
    }

    /// <summary>
    /// Draws episodes with replacement in proportion to length; one slot per draw, so repeats keep their weight.
    /// Each distinct episode is read once, in place; returns the slots and the leases, which the caller disposes.
    /// </summary>
    private (List<LeasedEpisode> Slots, IReadOnlyList<LeasedEpisode> Leased) FetchEpisodes(Random random, CancellationToken stop)
    {
        var index = ReadIndexAsync(stop).GetAwaiter().GetResult();
        var all = index.Episodes;
        if (all.Count == 0) return ([], []);
        var cumulative = index.Cumulative;
        long total = cumulative[^1];

        var draws = new int[_settings.EpisodesPerFetch];
        for (int d = 0; d < draws.Length; d++)
        {
            int found = Array.BinarySearch(cumulative, random.NextInt64(total));
            draws[d] = found >= 0 ? found + 1 : ~found; // first episode whose cumulative length exceeds the draw
        }
        var distinct = draws.Distinct().Select(i => all[i]).ToList();
        var leased = _store.LeaseAsync(distinct, stop).GetAwaiter().GetResult();
        var byRef = leased.ToDictionary(e => e.Ref);
        var slots = new List<LeasedEpisode>(draws.Length);
        foreach (int d in draws)
            if (byRef.TryGetValue(all[d], out var episode)) slots.Add(episode);
        return (slots, leased);
    }

    private async Task<IndexSnapshot> ReadIndexAsync(CancellationToken stop)
    {
        if (_index is { } cached && Stopwatch.GetElapsedTime(cached.ReadAt) < _settings.IndexRefreshInterval) return cached;
        var episodes = (await _store.ListAsync(stop)).Episodes;
        var cumulative = new long[episodes.Count];
        long total = 0;
        for (int i = 0; i < episodes.Count; i++) cumulative[i] = total += episodes[i].Length;
        var fresh = new IndexSnapshot(episodes, cumulative, Stopwatch.GetTimestamp());
        _index = fresh;
        return fresh;
    }

    private Minibatch BuildBatch(Random random, List<LeasedEpisode> slots, long sourceBytes)
    {
        var layout = _store.Options.Layout;
        int size = _settings.BatchSize, s = layout.StateDim, a = layout.ActionDim, g = layout.GoalDim;
        var states = new float[size * s];
        var actions = new float[size * a];
        var goals = new float[size * g];
        for (int row = 0; row < size; row++)
        {
            var episode = slots[random.Next(slots.Count)];
            var episodeStates = episode.States;
            int t = random.Next(episode.Length);
            int k = HindsightGoal.SampleOffset(random, _settings.Gamma, episode.Length - t);
            episodeStates.Slice(t * s, s).CopyTo(states.AsSpan(row * s));
            episode.Actions.Slice(t * a, a).CopyTo(actions.AsSpan(row * a));
            episodeStates.Slice((t + k) * s + layout.GoalStart, g).CopyTo(goals.AsSpan(row * g));
        }
        return new Minibatch(size, states, actions, goals) { SourceBytes = sourceBytes };
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_prefetchers);
        _stop.Dispose();
    }
}
