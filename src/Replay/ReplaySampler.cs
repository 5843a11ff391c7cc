using System.Diagnostics;
using System.Threading.Channels;
using Fathom.Learner.Crl;

namespace Fathom.Replay;

/// <summary>
/// Minibatches of (state, action, hindsight goal) drawn as the paper draws them: each row from a different episode,
/// each episode with probability in proportion to its length, so that every stored transition is equally likely as
/// far as distinct episodes allow. One fetch reads <see cref="SamplerSettings.EpisodesPerFetch"/> distinct episodes,
/// each included with probability in proportion to its length; each of its <see cref="SamplerSettings.BatchesPerFetch"/>
/// batches takes <see cref="SamplerSettings.EpisodesPerBatch"/> distinct ones of them (weighted by length over that
/// probability) and B / EpisodesPerBatch rows of each at uniform time steps. A store of fewer episodes gives batches
/// of all of them, rows spread evenly. The goal comes from the same episode, never another.
/// <see cref="SamplerSettings.ConcurrentFetches"/> loops fetch side by side into a bounded channel, so that an SGD
/// step finds its batch ready.
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

    /// <summary>The store's index with the episodes' lengths, for drawing them in proportion to length.</summary>
    private sealed record IndexSnapshot(IReadOnlyList<EpisodeRef> Episodes, double[] Lengths, long ReadAt);

    public ReplaySampler(IReplayStore store, SamplerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.EpisodesPerFetch < settings.EpisodesPerBatch)
            throw new ArgumentOutOfRangeException(nameof(settings), settings.EpisodesPerFetch, $"EpisodesPerFetch must be at least EpisodesPerBatch ({settings.EpisodesPerBatch}).");
        _store = store;
        _settings = settings;
        _ready = Channel.CreateBounded<Minibatch>(new BoundedChannelOptions(settings.PrefetchDepth) { SingleWriter = settings.ConcurrentFetches == 1, FullMode = BoundedChannelFullMode.Wait });
        _runTag = new(ReplayTelemetry.Tags.Run, store.Options.Run);
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
        using var span = ReplayTelemetry.Source.StartActivity(ReplayTelemetry.Spans.ReplaySample);
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
        ReplayTelemetry.ReplaySampled.Add(batch.Size, _runTag);
        ReplayTelemetry.ReplayBatchEpisodes.Record(batch.DistinctEpisodes, _runTag);
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
                var (pool, leased) = FetchEpisodes(random, stop);
                if (pool.Count == 0)
                {
                    stop.WaitHandle.WaitOne(_settings.RetryDelay);
                    continue;
                }
                var batches = new Minibatch[_settings.BatchesPerFetch];
                try
                {
                    long sourceBytes = leased.Sum(e => (long)e.BlobBytes) / batches.Length;
                    for (int b = 0; b < batches.Length; b++) batches[b] = BuildBatch(random, pool, sourceBytes);
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
    /// The episodes of one fetch: EpisodesPerFetch distinct ones (all, when the store holds no more), each included
    /// with probability in proportion to its length, and weighted by length over that probability so that a batch
    /// drawing from them by weight gives each stored transition the same chance. Each is read once, in place; returns
    /// the pool and the leases, which the caller disposes.
    /// </summary>
    private (List<(LeasedEpisode Episode, double Weight)> Pool, IReadOnlyList<LeasedEpisode> Leased) FetchEpisodes(Random random, CancellationToken stop)
    {
        var index = ReadIndexAsync(stop).GetAwaiter().GetResult();
        var all = index.Episodes;
        if (all.Count == 0) return ([], []);
        var drawn = SampleDistinct(random, index.Lengths, _settings.EpisodesPerFetch);
        var leased = _store.LeaseAsync(drawn.Select(d => all[d.Index]).ToList(), stop).GetAwaiter().GetResult();
        var byRef = leased.ToDictionary(e => e.Ref);
        var pool = new List<(LeasedEpisode, double)>(drawn.Length);
        foreach (var (i, inclusion) in drawn)
            if (byRef.TryGetValue(all[i], out var episode)) pool.Add((episode, index.Lengths[i] / inclusion));
        return (pool, leased);
    }

    private async Task<IndexSnapshot> ReadIndexAsync(CancellationToken stop)
    {
        if (_index is { } cached && Stopwatch.GetElapsedTime(cached.ReadAt) < _settings.IndexRefreshInterval) return cached;
        var episodes = (await _store.ListAsync(stop)).Episodes;
        var fresh = new IndexSnapshot(episodes, episodes.Select(e => (double)e.Length).ToArray(), Stopwatch.GetTimestamp());
        _index = fresh;
        return fresh;
    }

    /// <summary>
    /// One minibatch from the pool: EpisodesPerBatch distinct episodes (all of the pool when it holds fewer), rows
    /// spread evenly over them, each at a uniform time step with its goal at a geometric offset in the same episode.
    /// </summary>
    private Minibatch BuildBatch(Random random, List<(LeasedEpisode Episode, double Weight)> pool, long sourceBytes)
    {
        var layout = _store.Options.Layout;
        int size = _settings.BatchSize, s = layout.StateDim, a = layout.ActionDim, g = layout.GoalDim;
        int distinct = Math.Min(_settings.EpisodesPerBatch, pool.Count);
        var chosen = SampleDistinct(random, pool.Select(p => p.Weight).ToArray(), distinct).Select(c => c.Index).ToArray();
        // B = q * distinct + r: every chosen episode gives q rows, r of them (drawn the same way) one more.
        int perEpisode = size / distinct;
        var extra = new bool[distinct];
        foreach (var (e, _) in SampleDistinct(random, chosen.Select(c => pool[c].Weight).ToArray(), size % distinct)) extra[e] = true;

        var states = new float[size * s];
        var actions = new float[size * a];
        var goals = new float[size * g];
        int row = 0;
        for (int c = 0; c < distinct; c++)
        {
            var episode = pool[chosen[c]].Episode;
            var episodeStates = episode.States;
            for (int r = perEpisode + (extra[c] ? 1 : 0); r > 0; r--, row++)
            {
                int t = random.Next(episode.Length);
                int k = HindsightGoal.SampleOffset(random, _settings.Gamma, episode.Length - t);
                episodeStates.Slice(t * s, s).CopyTo(states.AsSpan(row * s));
                episode.Actions.Slice(t * a, a).CopyTo(actions.AsSpan(row * a));
                episodeStates.Slice((t + k) * s + layout.GoalStart, g).CopyTo(goals.AsSpan(row * g));
            }
        }
        return new Minibatch(size, states, actions, goals) { SourceBytes = sourceBytes, DistinctEpisodes = distinct };
    }

    /// <summary>
    /// n distinct indices of <paramref name="weights"/> (all when there are no more), each included with probability
    /// n·w/W by systematic sampling over a random order, returned with that probability. An index whose n·w/W reaches
    /// 1 is taken for certain and the rest are drawn among the others in the same way.
    /// </summary>
    internal static (int Index, double Inclusion)[] SampleDistinct(Random random, IReadOnlyList<double> weights, int n)
    {
        if (n >= weights.Count) return Enumerable.Range(0, weights.Count).Select(i => (i, 1.0)).ToArray();
        var chosen = new List<(int, double)>(n);
        var taken = new bool[weights.Count];
        double total = weights.Sum();
        for (bool found = true; found && chosen.Count < n;)
        {
            found = false;
            int left = n - chosen.Count;
            for (int i = 0; i < weights.Count && chosen.Count < n; i++)
            {
                if (taken[i] || left * weights[i] < total) continue;
                taken[i] = found = true;
                chosen.Add((i, 1.0));
            }
            if (found) total = Enumerable.Range(0, weights.Count).Where(i => !taken[i]).Sum(i => weights[i]);
        }
        int remaining = n - chosen.Count;
        if (remaining == 0) return chosen.ToArray();
        var line = Enumerable.Range(0, weights.Count).Where(i => !taken[i]).ToArray();
        random.Shuffle(line);
        double step = total / remaining, next = random.NextDouble() * step, cumulative = 0;
        foreach (int i in line)
        {
            cumulative += weights[i];
            if (cumulative <= next || chosen.Count == n) continue;
            chosen.Add((i, weights[i] / step));
            taken[i] = true;
            next += step;
        }
        // Rounding may leave the last point just past the end of the line; the last open index closes it.
        for (int k = line.Length - 1; chosen.Count < n; k--)
            if (!taken[line[k]]) { taken[line[k]] = true; chosen.Add((line[k], weights[line[k]] / step)); }
        return chosen.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_prefetchers);
        _stop.Dispose();
    }
}
