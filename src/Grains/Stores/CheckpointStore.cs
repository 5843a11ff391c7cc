using StackExchange.Redis;

namespace Fathom.Grains.Stores;

/// <summary>
/// Whole learner state (networks, optimiser moments, update count) in Redis with a "latest" pointer, so a learner
/// reactivated on another silo resumes where the last checkpoint left it. A new checkpoint is written completely
/// before the pointer moves; the previous one is then dropped. Chunks of a checkpoint whose writer died before its
/// header expire by themselves (<see cref="ChunkedBlobs.PendingLifetime"/>).
/// </summary>
public sealed class CheckpointStore(IDatabase database, TimeSpan timeout, TimeSpan? pendingLifetime = null)
{
    private readonly ChunkedBlobs _blobs = new(database, timeout, pendingLifetime);

    public async Task Save(string run, string learner, long updates, byte[] state, CancellationToken cancellation)
    {
        await _blobs.Put(CheckpointKey(run, learner, updates), state, cancellation);
        var previous = (long?)await database.StringSetAndGetAsync(LatestKey(run, learner), updates).WaitAsync(timeout, cancellation);
        if (previous is { } old && old != updates)
            await _blobs.Expire(CheckpointKey(run, learner, old), TimeSpan.FromSeconds(1), cancellation);
    }

    /// <summary>The latest checkpoint and the update count it was taken at, or null if the learner never saved one.</summary>
    public async Task<(long Updates, byte[] State)?> LoadLatest(string run, string learner, CancellationToken cancellation)
    {
        var latest = (long?)await database.StringGetAsync(LatestKey(run, learner)).WaitAsync(timeout, cancellation);
        if (latest is null) return null;
        var state = await _blobs.Get(CheckpointKey(run, learner, latest.Value), cancellation);
        return state is null ? null : (latest.Value, state);
    }

    private static string LatestKey(string run, string learner) => $"fathom:{run}:checkpoint:{learner}:latest";

    /// <summary>SCAN pattern of every checkpoint key of the run (see <see cref="RunKeys"/>).</summary>
    public static string RunPattern(string run) => $"fathom:{run}:checkpoint:*";

    private static string CheckpointKey(string run, string learner, long updates) => $"fathom:{run}:checkpoint:{learner}:u{updates}";
}
