using System.Buffers;
using System.Diagnostics;

namespace Fathom.Replay;

/// <summary>
/// What every replay store shares: argument checks, shard routing, encoding, verification and rejection
/// counting, timeouts, telemetry. A backend only moves blobs and index entries of one shard.
/// </summary>
public abstract class ReplayStoreBase : IReplayStore
{
    private long _rejected;

    protected ReplayStoreBase(ReplayStoreOptions options, int shardCount)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (shardCount < 1) throw new ArgumentOutOfRangeException(nameof(shardCount), shardCount, "ShardCount must be at least 1.");
        if (options.ShardCapacity(shardCount) < 1)
            throw new ArgumentOutOfRangeException(nameof(options), options.CapacityTransitions, $"CapacityTransitions must give each of the {shardCount} shards at least one transition.");
        Options = options;
        ShardCount = shardCount;
        // The series exist from the start: no rejection reads 0, not "no data".
        for (int shard = 0; shard < shardCount; shard++)
            ReplayTelemetry.ReplayRejected.Add(0, RunTag, new(ReplayTelemetry.Tags.Shard, shard));
    }

    public ReplayStoreOptions Options { get; }
    public int ShardCount { get; }
    public long RejectedCount => Interlocked.Read(ref _rejected);

    public int ShardOf(Episode episode)
    {
        // FNV-1a over the id: stable across processes (string.GetHashCode is not).
        uint hash = 2166136261;
        foreach (char c in episode.Id) hash = (hash ^ c) * 16777619;
        return (int)(hash % (uint)ShardCount);
    }

    public Task<AppendResult> AppendAsync(Episode episode, CancellationToken cancellationToken = default)
        => AppendAsync(ShardOf(episode), episode, cancellationToken);

    public async Task<AppendResult> AppendAsync(int shard, Episode episode, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(episode);
        return (await AppendAsync(shard, [episode], cancellationToken))[0];
    }

    public async Task<IReadOnlyList<AppendResult>> AppendAsync(int shard, IReadOnlyList<Episode> episodes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        CheckShard(shard);
        long shardCapacity = Options.ShardCapacity(ShardCount);
        for (int i = 0; i < episodes.Count; i++)
        {
            var episode = episodes[i] ?? throw new ArgumentNullException(nameof(episodes), $"Episode {i} of the batch is null.");
            if (episode.Layout != Options.Layout)
                throw new ArgumentException($"Episode layout {episode.Layout} differs from the run's layout {Options.Layout}.", nameof(episodes));
            if (episode.Length > shardCapacity)
                throw new ArgumentException($"Episode length {episode.Length} exceeds the capacity of a shard ({shardCapacity} transitions).", nameof(episodes));
        }

        using var activity = ReplayTelemetry.Source.StartActivity(ReplayTelemetry.Spans.ReplayAppend);
        activity?.SetTag("fathom.episodes", episodes.Count);
        var results = new List<AppendResult>(episodes.Count);
        foreach (var chunk in RoundTrips(episodes))
        {
            // Blobs of long episodes are large; pooled buffers spare the large-object heap. They go back to the pool
            // only once the write has completed, never after a timeout (the client may still be sending them).
            var buffers = new byte[chunk.Length][];
            var blobs = new BlobToAppend[chunk.Length];
            for (int i = 0; i < chunk.Length; i++)
            {
                int size = EpisodeCodec.EncodedSize(chunk[i]);
                buffers[i] = ArrayPool<byte>.Shared.Rent(size);
                EpisodeCodec.EncodeTo(chunk[i], buffers[i]);
                blobs[i] = new BlobToAppend(chunk[i].Id, chunk[i].Length, new ReadOnlyMemory<byte>(buffers[i], 0, size));
            }
            var outcomes = await OnShard(shard, ct => AppendBlobsAsync(shard, blobs, shardCapacity, ct), cancellationToken);
            foreach (var buffer in buffers) ArrayPool<byte>.Shared.Return(buffer);
            long inserted = 0;
            for (int i = 0; i < chunk.Length; i++)
            {
                if (outcomes[i].Stored) inserted += chunk[i].Length;
                results.Add(new AppendResult(shard, outcomes[i].Stored, outcomes[i].Evicted, blobs[i].Blob.Length));
            }
            if (inserted > 0) ReplayTelemetry.ReplayInserted.Add(inserted, RunTag, new(ReplayTelemetry.Tags.Shard, shard));
        }
        return results;
    }

    /// <summary>
    /// Most episodes one backend call stores and indexes: it bounds how long one index step holds a single-threaded
    /// server. <see cref="AppendChunkBytes"/> bounds the call's blob bytes too.
    /// </summary>
    public const int AppendChunk = 64;

    /// <summary>
    /// Most blob bytes one backend call sends, unless a single episode is larger: it keeps one call of long episodes
    /// from holding a single-threaded server for long.
    /// </summary>
    public const int AppendChunkBytes = 1 << 20;

    /// <summary>
    /// The batch cut, in order, into backend calls of at most <see cref="AppendChunk"/> episodes and
    /// <see cref="AppendChunkBytes"/> blob bytes (an episode larger than that goes alone).
    /// </summary>
    internal static IEnumerable<Episode[]> RoundTrips(IReadOnlyList<Episode> episodes)
    {
        var call = new List<Episode>();
        long bytes = 0;
        foreach (var episode in episodes)
        {
            int size = EpisodeCodec.EncodedSize(episode);
            if (call.Count == AppendChunk || (call.Count > 0 && bytes + size > AppendChunkBytes))
            {
                yield return [.. call];
                call.Clear();
                bytes = 0;
            }
            call.Add(episode);
            bytes += size;
        }
        if (call.Count > 0) yield return [.. call];
    }

    public Task<ReplayIndex> ListAsync(CancellationToken cancellationToken = default) => ListAsync(null, cancellationToken);

    public async Task<ReplayIndex> ListAsync(ReplayIndex? previous, CancellationToken cancellationToken = default)
    {
        var perShard = await Task.WhenAll(Enumerable.Range(0, ShardCount).Select(shard =>
            TryOnShard(shard, ct => ListShardSinceAsync(shard, previous, ct), cancellationToken)));
        var episodes = new List<EpisodeRef>(previous?.Episodes.Count ?? 0);
        var spans = new ReplayIndex.ShardSpan?[ShardCount];
        var down = new List<int>();
        for (int shard = 0; shard < ShardCount; shard++)
        {
            if (perShard[shard] is not { } listed) { down.Add(shard); continue; }
            spans[shard] = new ReplayIndex.ShardSpan(episodes.Count, listed.KeptCount + listed.Appended.Count, listed.Start, listed.End);
            for (int i = listed.KeptFirst; i < listed.KeptFirst + listed.KeptCount; i++) episodes.Add(previous!.Episodes[i]);
            foreach (var (id, length) in listed.Appended) episodes.Add(new EpisodeRef(shard, id, length));
        }
        return new ReplayIndex(episodes, down) { ShardSpans = spans };
    }

    /// <summary>
    /// One shard's episodes: the previous index's positions [KeptFirst, KeptFirst + KeptCount) still held, then those
    /// appended since; Start and End as in <see cref="ReplayIndex.ShardSpan"/>.
    /// </summary>
    private sealed record ShardListing(int KeptFirst, int KeptCount, IReadOnlyList<(string Id, int Length)> Appended, long Start, long End);

    /// <summary>
    /// A shard's index brought up to date from its span in <paramref name="previous"/>: what the backend appended
    /// since, without what it evicted since. Read whole when nothing is known, or when the answer does not add up (the
    /// run was deleted and refilled, a shard restarted from an older file).
    /// </summary>
    private async Task<ShardListing> ListShardSinceAsync(int shard, ReplayIndex? previous, CancellationToken cancellationToken)
    {
        var known = previous?.ShardSpans is { } spans && shard < spans.Count ? spans[shard] : null;
        var tail = await ListShardAsync(shard, known?.End ?? -1, cancellationToken);
        if (!tail.Whole && known is { } span && Extend(previous!, span, tail) is { } extended) return extended;
        if (!tail.Whole) tail = await ListShardAsync(shard, -1, cancellationToken);
        return new ShardListing(0, 0, tail.Entries, tail.Inserted - tail.Size, tail.Inserted);
    }

    /// <summary>The previous span without its evicted episodes, plus the appended ones; null when the counts do not agree.</summary>
    private static ShardListing? Extend(ReplayIndex previous, ReplayIndex.ShardSpan span, ShardTail tail)
    {
        long start = tail.Inserted - tail.Size, offset = span.Start;
        int first = span.First, end = span.First + span.Count;
        while (first < end && offset < start) offset += previous.Episodes[first++].Length;
        long appended = 0;
        foreach (var (_, length) in tail.Entries) appended += length;
        bool adds = offset == start && appended == tail.Inserted - span.End && end - first + tail.Entries.Count == tail.Episodes;
        return adds ? new ShardListing(first, end - first, tail.Entries, start, tail.Inserted) : null;
    }

    public async Task<IReadOnlyList<FetchedEpisode>> FetchAsync(IReadOnlyList<EpisodeRef> episodes, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(episodes);
        using var activity = ReplayTelemetry.Source.StartActivity(ReplayTelemetry.Spans.ReplayFetch);
        var byShard = episodes.GroupBy(e => e.Shard).ToList();
        foreach (var group in byShard) CheckShard(group.Key);
        var blobs = await Task.WhenAll(byShard.Select(group => TryOnShard(group.Key, ct => FetchBlobsAsync(group.Key, [.. group.Select(e => e.Id)], ct), cancellationToken)));
        var fetched = new List<FetchedEpisode>(episodes.Count);
        for (int g = 0; g < byShard.Count; g++)
        {
            if (blobs[g] is not { } shardBlobs) continue;
            int i = 0;
            foreach (var reference in byShard[g])
            {
                var blob = shardBlobs[i++];
                if (blob is null) continue; // evicted since the index was read
                if (Decode(reference, blob) is { } episode) fetched.Add(new FetchedEpisode(reference, episode, blob.Length));
            }
        }
        return fetched;
    }

    public async Task<RowReads> ReadRowsAsync(IReadOnlyList<RowRequest> requests, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var layout = Options.Layout;
        int rowBytes = EpisodeCodec.RowBytes(layout);
        foreach (var request in requests)
        {
            CheckShard(request.Episode.Shard);
            if (request.Step < 0 || request.GoalStep < 0 || request.Step > request.Episode.Length || request.GoalStep > request.Episode.Length)
                throw new ArgumentOutOfRangeException(nameof(requests), request, $"Step and GoalStep must be in [0, Length={request.Episode.Length}].");
            if (request.WithNext && request.Step >= request.Episode.Length)
                throw new ArgumentOutOfRangeException(nameof(requests), request, $"A request with the next state needs Step < Length={request.Episode.Length}.");
        }
        using var activity = ReplayTelemetry.Source.StartActivity(ReplayTelemetry.Spans.ReplayReadRows);
        var byShard = Enumerable.Range(0, requests.Count).GroupBy(i => requests[i].Episode.Shard).ToList();
        var replies = await Task.WhenAll(byShard.Select(group =>
        {
            var ranges = group.SelectMany(i => new[]
            {
                new RowRange(requests[i].Episode.Id, EpisodeCodec.RowOffset(layout, requests[i].Step), requests[i].WithNext ? 2 * rowBytes : rowBytes),
                new RowRange(requests[i].Episode.Id, EpisodeCodec.RowOffset(layout, requests[i].GoalStep), rowBytes),
            }).ToArray();
            return TryOnShard(group.Key, ct => ReadRangesAsync(group.Key, ranges, ct), cancellationToken);
        }));
        var rows = new (byte[], byte[])?[requests.Count];
        var down = new List<int>();
        long replyBytes = 0;
        for (int g = 0; g < byShard.Count; g++)
        {
            if (replies[g] is not { } ranges) { down.Add(byShard[g].Key); continue; }
            int r = 0;
            foreach (int i in byShard[g])
            {
                byte[] step = ranges[r++], goal = ranges[r++];
                replyBytes += BulkReplyBytes(step.Length) + BulkReplyBytes(goal.Length);
                if (step.Length == 0 || goal.Length == 0) continue; // evicted since the index was read
                var request = requests[i];
                bool stepRows = request.WithNext
                    ? step.Length == 2 * rowBytes && EpisodeCodec.IsRow(step.AsSpan(0, rowBytes), request.Episode.Id, request.Step, layout)
                        && EpisodeCodec.IsRow(step.AsSpan(rowBytes), request.Episode.Id, request.Step + 1, layout)
                    : EpisodeCodec.IsRow(step, request.Episode.Id, request.Step, layout);
                if (stepRows && EpisodeCodec.IsRow(goal, request.Episode.Id, request.GoalStep, layout))
                    rows[i] = (step, goal);
                else
                    Reject(request.Episode, $"row {request.Step}{(request.WithNext ? " or the next" : "")} or {request.GoalStep} fails its checksum");
            }
        }
        return new RowReads(rows, replyBytes, down);
    }

    /// <summary>Bytes of a RESP2 bulk-string reply of <paramref name="payload"/> bytes: "$", the length, CRLF, the payload, CRLF.</summary>
    internal static long BulkReplyBytes(int payload) => 1 + payload.ToString(System.Globalization.CultureInfo.InvariantCulture).Length + 2 + payload + 2;

    public async Task<ReplaySizes> GetSizesAsync(CancellationToken cancellationToken = default)
    {
        var perShard = await Task.WhenAll(Enumerable.Range(0, ShardCount).Select(shard => TryOnShard(shard, ct => ShardSizesAsync(shard, ct), cancellationToken)));
        long transitions = 0, episodes = 0, inserted = 0, evicted = 0;
        var down = new List<int>();
        long shardCapacity = Options.ShardCapacity(ShardCount);
        for (int shard = 0; shard < ShardCount; shard++)
        {
            if (perShard[shard] is not { } s) { down.Add(shard); continue; }
            transitions += s.Transitions;
            episodes += s.Episodes;
            inserted += s.Inserted;
            evicted += s.Evicted;
            ReplayTelemetry.ReplaySize.Record(s.Transitions, RunTag, new(ReplayTelemetry.Tags.Shard, shard));
            ReplayTelemetry.ReplayFill.Record((double)s.Transitions / shardCapacity, RunTag, new(ReplayTelemetry.Tags.Shard, shard));
        }
        return new ReplaySizes(transitions, episodes, inserted, down, evicted);
    }

    public async Task DeleteRunAsync(CancellationToken cancellationToken = default)
    {
        await Task.WhenAll(Enumerable.Range(0, ShardCount).Select(shard => OnShard(shard, async ct => { await DeleteShardAsync(shard, ct); return true; }, cancellationToken)));
    }

    public abstract ValueTask DisposeAsync();

    /// <summary>
    /// As appending the blobs one after another in order: each is stored under its id unless present, indexed, and the
    /// oldest episodes beyond capacity evicted. Readers see either none or all of one blob's append; index, counters
    /// and eviction change in one atomic step.
    /// </summary>
    protected abstract Task<(bool Stored, int Evicted)[]> AppendBlobsAsync(int shard, IReadOnlyList<BlobToAppend> blobs, long shardCapacity, CancellationToken cancellationToken);

    /// <summary>One encoded episode on its way into a shard.</summary>
    protected readonly record struct BlobToAppend(string Id, int Length, ReadOnlyMemory<byte> Blob);

    /// <summary>
    /// A shard's index entries appended after transition <paramref name="after"/> (oldest first), with its counters read
    /// in the same atomic step; the whole index (<see cref="ShardTail.Whole"/>) when <paramref name="after"/> is not in
    /// [inserted - size, inserted] (-1 asks for the whole index). The entries held are transitions [inserted - size,
    /// inserted) of everything ever appended, as eviction drops whole episodes from the old end.
    /// </summary>
    protected abstract Task<ShardTail> ListShardAsync(int shard, long after, CancellationToken cancellationToken);

    /// <param name="Inserted">Transitions ever appended to the shard.</param>
    /// <param name="Size">Transitions held.</param>
    /// <param name="Episodes">Episodes held (the index's length).</param>
    /// <param name="Whole">Whether <paramref name="Entries"/> is the whole index rather than what was appended after the offset asked for.</param>
    protected sealed record ShardTail(long Inserted, long Size, long Episodes, bool Whole, IReadOnlyList<(string Id, int Length)> Entries);
    /// <summary>Blobs in the order of <paramref name="ids"/>; null where an id is gone.</summary>
    protected abstract Task<byte[]?[]> FetchBlobsAsync(int shard, string[] ids, CancellationToken cancellationToken);
    /// <summary>The bytes of each range of a blob (as GETRANGE gives them: empty where the blob is gone), in order.</summary>
    protected abstract Task<byte[][]> ReadRangesAsync(int shard, IReadOnlyList<RowRange> ranges, CancellationToken cancellationToken);

    /// <summary><paramref name="Count"/> bytes from <paramref name="Offset"/> of one episode's blob.</summary>
    protected internal readonly record struct RowRange(string Id, long Offset, int Count);
    protected abstract Task<ShardSizes> ShardSizesAsync(int shard, CancellationToken cancellationToken);
    protected abstract Task DeleteShardAsync(int shard, CancellationToken cancellationToken);
    /// <summary>Where a shard lives, for error messages (never credentials).</summary>
    protected abstract string DescribeShard(int shard);
    /// <summary>Whether a backend exception means the shard is unreachable (retryable) rather than a bug.</summary>
    protected abstract bool IsUnavailable(Exception exception);

    /// <summary>Counters of one shard.</summary>
    protected sealed record ShardSizes(long Transitions, long Episodes, long Inserted, long Evicted);

    private KeyValuePair<string, object?> RunTag => new(ReplayTelemetry.Tags.Run, Options.Run);

    private Episode? Decode(EpisodeRef reference, ReadOnlySpan<byte> blob)
    {
        try
        {
            var episode = EpisodeCodec.Decode(blob);
            if (episode.Layout != Options.Layout)
                throw new CorruptEpisodeException($"Episode layout {episode.Layout} differs from the run's layout {Options.Layout}.");
            if (episode.Id != reference.Id || episode.Length != reference.Length)
                throw new CorruptEpisodeException($"Blob holds episode {episode.Id} of length {episode.Length}, the index says {reference.Id} of length {reference.Length}.");
            return episode;
        }
        catch (CorruptEpisodeException e)
        {
            Reject(reference, e.Message);
            return null;
        }
    }

    /// <summary>Counts a blob or row that failed verification (<see cref="RejectedCount"/>, fathom.replay.rejected).</summary>
    private void Reject(EpisodeRef reference, string reason)
    {
        Interlocked.Increment(ref _rejected);
        ReplayTelemetry.ReplayRejected.Add(1, RunTag, new(ReplayTelemetry.Tags.Shard, reference.Shard));
        Activity.Current?.AddEvent(new ActivityEvent("replay.rejected", tags: new ActivityTagsCollection { ["episode"] = reference.Id, ["reason"] = reason }));
    }

    private void CheckShard(int shard)
    {
        if ((uint)shard >= (uint)ShardCount)
            throw new ArgumentOutOfRangeException(nameof(shard), shard, $"Shard must be in [0, {ShardCount - 1}].");
    }

    /// <summary>Runs one shard operation under the timeout; unreachable shards become <see cref="ReplayShardUnavailableException"/>.</summary>
    private async Task<T> OnShard<T>(int shard, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Options.OperationTimeout);
        try
        {
            return await operation(timeout.Token).WaitAsync(timeout.Token);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ReplayShardUnavailableException(shard, DescribeShard(shard), new TimeoutException($"No answer within {Options.OperationTimeout}.", e));
        }
        catch (Exception e) when (IsUnavailable(e))
        {
            throw new ReplayShardUnavailableException(shard, DescribeShard(shard), e);
        }
    }

    /// <summary>As <see cref="OnShard"/>, but an unreachable shard yields null so readers carry on with the others.</summary>
    private async Task<T?> TryOnShard<T>(int shard, Func<CancellationToken, Task<T>> operation, CancellationToken cancellationToken) where T : class
    {
        try { return await OnShard(shard, operation, cancellationToken); }
        catch (ReplayShardUnavailableException) { return null; }
    }
}
