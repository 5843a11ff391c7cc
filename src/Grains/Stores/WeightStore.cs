using StackExchange.Redis;

namespace Fathom.Grains.Stores;

/// <summary>
/// Versioned actor weights of behaviour learners (the "variable client" of Acme): the learner publishes version
/// v+1, collectors ask for anything newer than what they hold. Weights never travel in grain messages.
/// A superseded version stays readable for <see cref="SupersededLifetime"/>, so a collector that just read the
/// version number can still fetch it.
/// </summary>
public sealed class WeightStore(IDatabase database, TimeSpan timeout)
{
    private static readonly TimeSpan SupersededLifetime = TimeSpan.FromMinutes(2);
    private readonly ChunkedBlobs _blobs = new(database, timeout);

    /// <summary>Publishes <paramref name="actorBlob"/> as <paramref name="version"/> (versions start at 1 and only grow).</summary>
    public async Task Publish(string run, string learner, long version, byte[] actorBlob, CancellationToken cancellation)
    {
        if (version < 1) throw new ArgumentOutOfRangeException(nameof(version), version, "weight versions start at 1");
        await _blobs.Put(VersionKey(run, learner, version), actorBlob, cancellation);
        var previous = (long?)await database.StringSetAndGetAsync(LatestKey(run, learner), version).WaitAsync(timeout, cancellation);
        if (previous is > 0 && previous != version)
            await _blobs.Expire(VersionKey(run, learner, previous.Value), SupersededLifetime, cancellation);
    }

    /// <summary>The newest published version (0 if none yet).</summary>
    public async Task<long> LatestVersion(string run, string learner, CancellationToken cancellation) =>
        (long?)await database.StringGetAsync(LatestKey(run, learner)).WaitAsync(timeout, cancellation) ?? 0;

    /// <summary>The newest weights if they are newer than <paramref name="heldVersion"/>, else null.</summary>
    public async Task<(long Version, byte[] Blob)?> FetchNewer(string run, string learner, long heldVersion, CancellationToken cancellation)
    {
        var latest = await LatestVersion(run, learner, cancellation);
        if (latest <= heldVersion) return null;
        var blob = await _blobs.Get(VersionKey(run, learner, latest), cancellation);
        return blob is null ? null : (latest, blob);
    }

    private static string LatestKey(string run, string learner) => $"fathom:{run}:weights:{learner}:latest";

    private static string VersionKey(string run, string learner, long version) => $"fathom:{run}:weights:{learner}:v{version}";
}
