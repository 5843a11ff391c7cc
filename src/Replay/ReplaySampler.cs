using System.Diagnostics;
using System.Threading.Channels;
using Fathom.Learner.Td;

namespace Fathom.Replay;

/// <summary>
/// Reverb's sampler: minibatches of (state, action, hindsight goal), with the next state when asked (TD learners),
/// drawn as the paper draws them. A batch takes
/// <see cref="SamplerSettings.EpisodesPerBatch"/> distinct episodes (B by default: one row each), each included with
/// probability in proportion to its length, and B / EpisodesPerBatch rows of each at uniform time steps, each with its
/// goal from the same episode at a geometric offset; a store of fewer episodes gives batches of all of them, rows spread
/// evenly. Only the rows a batch needs leave the store (<see cref="IReplayStore.ReadRowsAsync"/>): the row and its
/// goal row, read by range and checked by their own CRCs. An episode evicted meanwhile, or whose rows fail their check,
/// gives its place to another episode not yet in the batch, so a batch is never short and never mixes episodes.
/// <see cref="SamplerSettings.ConcurrentFetches"/> async loops fill a bounded channel, so that an SGD step finds its
/// batch ready.
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

    /// <summary>
    /// The store's index with the episodes' lengths, for drawing them in proportion to length, and every position in it
    /// (what a batch draws from when no episode is excluded: built once per index read, not once per batch).
    /// </summary>
    private sealed record IndexSnapshot(ReplayIndex Index, double[] Lengths, long ReadAt)
    {
        public IReadOnlyList<EpisodeRef> Episodes => Index.Episodes;
        public int[] Positions { get; } = Enumerable.Range(0, Index.Episodes.Count).ToArray();
    }

    public ReplaySampler(IReplayStore store, SamplerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(settings);
        _store = store;
        _settings = settings;
        _ready = Channel.CreateBounded<Minibatch>(new BoundedChannelOptions(settings.PrefetchDepth) { SingleWriter = settings.ConcurrentFetches == 1, FullMode = BoundedChannelFullMode.Wait });
        _runTag = new(ReplayTelemetry.Tags.Run, store.Options.Run);
        _prefetchers = Enumerable.Range(0, settings.ConcurrentFetches).Select(loop =>
        {
            var random = settings.Seed is { } seed ? new Random(seed + loop) : new Random();
            return Task.Run(() => PrefetchLoopAsync(random, _stop.Token));
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

    /// <summary>One prefetch loop: draws batches into the channel until stopped, pausing after an empty store or a failed read.</summary>
    private async Task PrefetchLoopAsync(Random random, CancellationToken stop)
    {
        while (!stop.IsCancellationRequested)
        {
            try
            {
                if (await DrawBatchAsync(random, stop) is { } batch)
                {
                    await _ready.Writer.WriteAsync(batch, stop);
                    _lastError = null;
                }
                else await Task.Delay(_settings.RetryDelay, stop);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // A shard failing over or a read timing out must not end the learner's supply; retry after a pause.
                _lastError = e;
                try { await Task.Delay(_settings.RetryDelay, stop); }
                catch (OperationCanceledException) { break; }
            }
        }
    }

    /// <summary>The rows of one episode in a batch: where they go and how many.</summary>
    private sealed class Slot(int firstRow, int rows)
    {
        public int FirstRow { get; } = firstRow;
        public int Rows { get; } = rows;
        public EpisodeRef Episode { get; set; }
        public RowRequest[] Requests { get; set; } = [];
    }

    /// <summary>
    /// One minibatch, or null when the store holds no readable episode. Draws the batch's episodes and rows, reads the
    /// rows, and gives the place of every episode whose rows did not come back to an episode not yet in the batch
    /// (after one fresh read of the index if the snapshot has none left). When even that leaves too few, the batch is
    /// drawn anew without the episodes that failed, over as many episodes as remain, rows spread evenly.
    /// </summary>
    private async Task<Minibatch?> DrawBatchAsync(Random random, CancellationToken stop)
    {
        var index = await ReadIndexAsync(fresh: false, stop);
        var unreadable = new HashSet<EpisodeRef>();
        var down = new HashSet<int>();
        long sourceBytes = 0;
        bool refreshed = false;
        while (true)
        {
            var available = Readable(index, unreadable, down);
            if (available.Count == 0) return null;
            int size = _settings.BatchSize;
            int distinct = Math.Min(_settings.EpisodesPerBatch, available.Count);
            var chosen = SampleDistinct(random, Weights(index, available), distinct);
            // B = q * distinct + r: every chosen episode gives q rows, r of them (drawn by length the same way) one more.
            var extra = new bool[distinct];
            foreach (var (e, _) in SampleDistinct(random, chosen.Select(c => index.Lengths[available[c.Index]] / c.Inclusion).ToArray(), size % distinct)) extra[e] = true;
            var slots = new Slot[distinct];
            var used = new HashSet<EpisodeRef>(unreadable);
            for (int c = 0, row = 0; c < distinct; c++)
            {
                slots[c] = new Slot(row, size / distinct + (extra[c] ? 1 : 0)) { Episode = index.Episodes[available[chosen[c].Index]] };
                used.Add(slots[c].Episode);
                row += slots[c].Rows;
            }

            var layout = _store.Options.Layout;
            var batch = new Minibatch(size, new float[size * layout.StateDim], new float[size * layout.ActionDim], new float[size * layout.GoalDim])
            {
                NextStates = _settings.NextStates ? new float[size * layout.StateDim] : [],
            };
            var pending = slots.ToList();
            while (pending.Count > 0)
            {
                foreach (var slot in pending) slot.Requests = DrawRows(random, slot.Episode, slot.Rows);
                var reads = await _store.ReadRowsAsync([.. pending.SelectMany(p => p.Requests)], stop);
                sourceBytes += reads.ReplyBytes;
                down.UnionWith(reads.UnavailableShards);
                pending = Fill(batch, pending, reads.Rows);
                if (pending.Count == 0) break;
                unreadable.UnionWith(pending.Select(p => p.Episode));
                // Replacements: episodes not yet in the batch, on reachable shards, drawn in proportion to length.
                var candidates = Readable(index, used, down);
                if (candidates.Count < pending.Count && !refreshed)
                {
                    index = await ReadIndexAsync(fresh: true, stop);
                    refreshed = true;
                    candidates = Readable(index, used, down);
                }
                if (candidates.Count < pending.Count) break;
                var replacements = SampleDistinct(random, Weights(index, candidates), pending.Count);
                for (int p = 0; p < pending.Count; p++)
                {
                    pending[p].Episode = index.Episodes[candidates[replacements[p].Index]];
                    used.Add(pending[p].Episode);
                }
            }
            if (pending.Count == 0) return batch with { SourceBytes = sourceBytes, DistinctEpisodes = distinct };
        }
    }

    /// <summary>Positions in the index of episodes that are neither in <paramref name="excluded"/> nor on a shard that is down.</summary>
    private static IReadOnlyList<int> Readable(IndexSnapshot index, HashSet<EpisodeRef> excluded, HashSet<int> down) =>
        excluded.Count == 0 && down.Count == 0 ? index.Positions
            : [.. index.Positions.Where(i => !excluded.Contains(index.Episodes[i]) && !down.Contains(index.Episodes[i].Shard))];

    /// <summary>The lengths of the episodes at <paramref name="positions"/>: the snapshot's own array when that is all of them.</summary>
    private static double[] Weights(IndexSnapshot index, IReadOnlyList<int> positions) =>
        ReferenceEquals(positions, index.Positions) ? index.Lengths : [.. positions.Select(i => index.Lengths[i])];

    /// <summary>Copies the rows of every slot whose rows all came back into the batch; returns the slots that did not.</summary>
    private List<Slot> Fill(Minibatch batch, List<Slot> slots, IReadOnlyList<(byte[] Step, byte[] Goal)?> rows)
    {
        var layout = _store.Options.Layout;
        int s = layout.StateDim, a = layout.ActionDim, g = layout.GoalDim;
        var failed = new List<Slot>();
        int next = 0;
        foreach (var slot in slots)
        {
            int first = next;
            next += slot.Rows;
            bool complete = true;
            for (int i = first; i < next; i++) complete &= rows[i] is not null;
            if (!complete) { failed.Add(slot); continue; }
            for (int i = 0; i < slot.Rows; i++)
            {
                var (step, goal) = rows[first + i]!.Value;
                int row = slot.FirstRow + i;
                EpisodeCodec.RowState(step, layout).CopyTo(batch.States.AsSpan(row * s, s));
                EpisodeCodec.RowAction(step, layout).CopyTo(batch.Actions.AsSpan(row * a, a));
                EpisodeCodec.RowState(goal, layout).Slice(layout.GoalStart, g).CopyTo(batch.Goals.AsSpan(row * g, g));
                if (_settings.NextStates) EpisodeCodec.RowState(step.AsSpan(EpisodeCodec.RowBytes(layout)), layout).CopyTo(batch.NextStates.AsSpan(row * s, s));
            }
        }
        return failed;
    }

    /// <summary>
    /// <paramref name="rows"/> rows of one episode, each at a uniform step with its goal at a geometric offset after it
    /// or, for <see cref="SamplerSettings.FinalGoalFraction"/> of them, the episode's final state (<see cref="HerGoal"/>).
    /// </summary>
    private RowRequest[] DrawRows(Random random, EpisodeRef episode, int rows)
    {
        var requests = new RowRequest[rows];
        for (int i = 0; i < rows; i++)
        {
            int t = random.Next(episode.Length);
            int goal = HerGoal.SampleGoalStep(random, _settings.Gamma, t, episode.Length, _settings.FinalGoalFraction);
            requests[i] = new RowRequest(episode, t, goal, _settings.NextStates);
        }
        return requests;
    }

    private async Task<IndexSnapshot> ReadIndexAsync(bool fresh, CancellationToken stop)
    {
        var cached = _index;
        if (!fresh && cached is not null && Stopwatch.GetElapsedTime(cached.ReadAt) < _settings.IndexRefreshInterval) return cached;
        // A periodic refresh reads only what changed since the last one; a fresh read (episodes went missing) reads all.
        var index = await _store.ListAsync(fresh ? null : cached?.Index, stop);
        var snapshot = new IndexSnapshot(index, [.. index.Episodes.Select(e => (double)e.Length)], Stopwatch.GetTimestamp());
        _index = snapshot;
        return snapshot;
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
