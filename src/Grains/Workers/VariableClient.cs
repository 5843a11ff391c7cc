using Fathom.Grains.Stores;
using Fathom.Learner.Crl;

namespace Fathom.Grains.Workers;

/// <summary>
/// Acme's variable client of one collector: holds the newest actor of its behaviour learner that it has fetched, by
/// version, and fetches a newer one when asked. The weight store keeps the blobs; no grain ever sees them.
/// The policy lives on the worker's device and is made on the calling thread (the worker's).
/// </summary>
public sealed class VariableClient(WeightStore weights, string run, string learner, long seed, string device) : IDisposable
{
    /// <summary>The actor to act with; null before the learner's first published version.</summary>
    public CrlPolicy? Policy { get; private set; }

    /// <summary>The version of <see cref="Policy"/> (0: none yet).</summary>
    public long Version { get; private set; }

    /// <summary>Fetches the newest weights if they are newer than <see cref="Version"/>; true if the policy changed.</summary>
    public bool Update(CancellationToken cancellation)
    {
        var newer = WorkerThread.Wait(weights.FetchNewer(run, learner, Version, cancellation));
        if (newer is not { } fetched) return false;
        var next = CrlPolicy.Import(fetched.Blob, seed + fetched.Version, device);
        Policy?.Dispose();
        (Policy, Version) = (next, fetched.Version);
        return true;
    }

    /// <summary>The newest published version, to measure how far <see cref="Version"/> lags behind.</summary>
    public long Latest(CancellationToken cancellation) => WorkerThread.Wait(weights.LatestVersion(run, learner, cancellation));

    public void Dispose() => Policy?.Dispose();
}
