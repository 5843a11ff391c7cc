namespace Fathom.Replay;

/// <summary>
/// The shared replay buffer of one run (Reverb's table): episodes spread over shards, capacity counted in transitions,
/// the oldest episodes of a shard evicted first. Safe to call concurrently from many threads.
/// Every call takes a cancellation token and is bounded by <see cref="ReplayStoreOptions.OperationTimeout"/>.
/// </summary>
public interface IReplayStore : IAsyncDisposable
{
    ReplayStoreOptions Options { get; }
    int ShardCount { get; }

    /// <summary>Blobs rejected as malformed or corrupted since this store object was created.</summary>
    long RejectedCount { get; }

    /// <summary>The shard an episode goes to by default (a stable hash of its id).</summary>
    int ShardOf(Episode episode);

    /// <summary>Appends to <see cref="ShardOf"/>; see <see cref="AppendAsync(int, Episode, CancellationToken)"/>.</summary>
    Task<AppendResult> AppendAsync(Episode episode, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the episode, indexes it and evicts the shard's oldest episodes beyond its capacity, atomically.
    /// An id already present is not stored twice (so a retry after an ambiguous failure is safe).
    /// Throws <see cref="ReplayShardUnavailableException"/> (retryable) when the shard cannot be reached.
    /// </summary>
    Task<AppendResult> AppendAsync(int shard, Episode episode, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends a batch to one shard, with the same outcome as appending the episodes one after another in order
    /// (one result each), but in one round trip and one index step per <see cref="ReplayStoreBase.AppendChunk"/>
    /// episodes or <see cref="ReplayStoreBase.AppendChunkBytes"/> blob bytes: the way a collector writes the episodes
    /// its environments finished together.
    /// </summary>
    Task<IReadOnlyList<AppendResult>> AppendAsync(int shard, IReadOnlyList<Episode> episodes, CancellationToken cancellationToken = default);

    /// <summary>A snapshot of the index of every reachable shard, oldest first within a shard.</summary>
    Task<ReplayIndex> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// The same snapshot, built from <paramref name="previous"/> (an index this store listed, or null) by reading from
    /// each shard only the entries appended since and dropping those evicted since: what a sampler that re-reads the
    /// index every few milliseconds calls, so that the cost follows the insert rate and not the replay's size.
    /// </summary>
    Task<ReplayIndex> ListAsync(ReplayIndex? previous, CancellationToken cancellationToken = default) => ListAsync(cancellationToken);

    /// <summary>
    /// Reads and verifies episodes. Episodes evicted meanwhile and shards that are down are skipped;
    /// corrupted blobs are skipped and counted (<see cref="RejectedCount"/>, fathom.replay.rejected).
    /// </summary>
    Task<IReadOnlyList<FetchedEpisode>> FetchAsync(IReadOnlyList<EpisodeRef> episodes, CancellationToken cancellationToken = default);

    /// <summary>
    /// Reads, for each request, the row record of its step and of its goal step, each by range and verified by its own
    /// CRC against the episode and position: the sampler's path, which moves only the rows a batch needs. A request
    /// whose episode was evicted meanwhile, whose shard is down, or whose rows fail their CRC (counted as rejected) has
    /// no rows in the answer.
    /// </summary>
    Task<RowReads> ReadRowsAsync(IReadOnlyList<RowRequest> requests, CancellationToken cancellationToken = default);

    Task<ReplaySizes> GetSizesAsync(CancellationToken cancellationToken = default);

    /// <summary>Removes every episode, index and counter of this run.</summary>
    Task DeleteRunAsync(CancellationToken cancellationToken = default);
}

/// <summary>Where one stored episode lives and how many transitions it holds.</summary>
public readonly record struct EpisodeRef(int Shard, string Id, int Length);

/// <summary>
/// One sampled row: the transition at <paramref name="Step"/> of an episode and its state at <paramref name="GoalStep"/>,
/// the hindsight goal. With <paramref name="WithNext"/> the step's read covers rows Step and Step + 1 (one range, two row
/// records, each checked), so a TD learner gets s_{t+1}; Step must then be below the episode's length.
/// </summary>
public readonly record struct RowRequest(EpisodeRef Episode, int Step, int GoalStep, bool WithNext = false);

/// <summary>
/// The answer to <see cref="IReplayStore.ReadRowsAsync"/>: per request the verified row records of its step and goal
/// step (<see cref="EpisodeCodec.RowState"/> and <see cref="EpisodeCodec.RowAction"/> read them), or null. For a request
/// <see cref="RowRequest.WithNext"/>, Step holds two row records: the step's, then the next step's.
/// </summary>
/// <param name="ReplyBytes">What the servers sent for these reads: RESP2 bulk-string replies with their framing, counted from the payload lengths.</param>
/// <param name="UnavailableShards">Shards that could not be read.</param>
public sealed record RowReads(IReadOnlyList<(byte[] Step, byte[] Goal)?> Rows, long ReplyBytes, IReadOnlyList<int> UnavailableShards);

/// <summary>An episode read back, with the size of its stored blob (for throughput accounting).</summary>
public sealed record FetchedEpisode(EpisodeRef Ref, Episode Episode, int BlobBytes);

/// <param name="Shard">Shard that holds the episode.</param>
/// <param name="Stored">False when the id was already present (nothing written).</param>
/// <param name="EvictedEpisodes">Oldest episodes dropped to stay within capacity.</param>
/// <param name="BlobBytes">Size of the stored blob.</param>
public sealed record AppendResult(int Shard, bool Stored, int EvictedEpisodes, int BlobBytes);

/// <param name="Episodes">Reachable episodes, oldest first within each shard.</param>
/// <param name="UnavailableShards">Shards that could not be read; their episodes are absent.</param>
public sealed record ReplayIndex(IReadOnlyList<EpisodeRef> Episodes, IReadOnlyList<int> UnavailableShards)
{
    public long Transitions { get; } = Episodes.Sum(e => (long)e.Length);

    /// <summary>Per shard, where its episodes are in <see cref="Episodes"/> and which transitions they hold (null for a shard that was down).</summary>
    public IReadOnlyList<ShardSpan?>? ShardSpans { get; init; }

    /// <param name="First">Position of the shard's oldest episode in <see cref="Episodes"/>.</param>
    /// <param name="Count">Its episodes, consecutive from there.</param>
    /// <param name="Start">Transitions ever appended to the shard before its oldest episode held.</param>
    /// <param name="End">Transitions ever appended to the shard, up to its newest episode.</param>
    public readonly record struct ShardSpan(int First, int Count, long Start, long End);
}

/// <param name="Transitions">Transitions held now (reachable shards).</param>
/// <param name="Episodes">Episodes held now (reachable shards).</param>
/// <param name="InsertedTransitions">Transitions ever appended to this run (monotone; the rate limiter's clock).</param>
/// <param name="UnavailableShards">Shards that could not be read.</param>
/// <param name="EvictedTransitions">Transitions ever evicted (monotone); inserted = held + evicted on every shard.</param>
public sealed record ReplaySizes(long Transitions, long Episodes, long InsertedTransitions, IReadOnlyList<int> UnavailableShards, long EvictedTransitions = 0);
