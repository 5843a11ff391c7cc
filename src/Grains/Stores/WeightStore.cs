using StackExchange.Redis;

namespace Fathom.Grains.Stores;

/// <summary>
/// Versioned actor weights of behaviour learners (the "variable client" of Acme): the learner publishes version
/// v+1, collectors ask for anything newer than what they hold. Weights never travel in grain messages.
/// Only the versions collectors still use are kept: a superseded version stays readable for
/// <see cref="SupersededLifetime"/> (a few seconds, so a collector that just read the version number can fetch it),
/// and a fetch that loses that race reads the newest version again instead of failing.
/// </summary>
public sealed class WeightStore(IDatabase database, TimeSpan timeout, TimeSpan? supersededLifetime = null, TimeSpan? pendingLifetime = null)
{
    /// <summary>How long a superseded version stays readable unless told otherwise.</summary>
    public static readonly TimeSpan DefaultSupersededLifetime = TimeSpan.FromSeconds(3);

    /// <summary>How often a fetch re-reads the newest version when the one it chose expired under it.</summary>
    private const int FetchAttempts = 4;

    private readonly ChunkedBlobs _blobs = new(database, timeout, pendingLifetime);

    public TimeSpan SupersededLifetime { get; } = supersededLifetime ?? DefaultSupersededLifetime;

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

    /// <summary>
    /// The newest weights if they are newer than <paramref name="heldVersion"/>, else null. A version that expired
    /// between reading "latest" and reading its chunks (superseded meanwhile) is replaced by the newer one.
    /// </summary>
    public async Task<(long Version, byte[] Blob)?> FetchNewer(string run, string learner, long heldVersion, CancellationToken cancellation)
    {
        for (var attempt = 1; ; attempt++)
        {
            var latest = await LatestVersion(run, learner, cancellation);
            if (latest <= heldVersion) return null;
            try
            {
                if (await _blobs.Get(VersionKey(run, learner, latest), cancellation) is { } blob) return (latest, blob);
            }
            catch (InvalidDataException)
            {
                // A chunk gone while the version is still the newest is corruption; gone because a newer version
                // superseded it (and it expired while being read) is a race: read the newer one.
                if (await LatestVersion(run, learner, cancellation) == latest) throw;
            }
            // Gone before its header was read, or expired under the read: a newer version replaced it. After a few
            // such races there is nothing to act on yet; the caller asks again at its next refresh.
            if (attempt >= FetchAttempts) return null;
        }
    }

    private static string LatestKey(string run, string learner) => $"fathom:{run}:weights:{learner}:latest";

    private static string VersionKey(string run, string learner, long version) => $"fathom:{run}:weights:{learner}:v{version}";

    /// <summary>SCAN pattern of every weight key of the run (see <see cref="RunKeys"/>).</summary>
    public static string RunPattern(string run) => $"fathom:{run}:weights:*";
}
