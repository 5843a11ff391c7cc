using System.Collections.Concurrent;
using Fathom.Learner;

namespace Fathom.Grains.Workers;

/// <summary>
/// Every worker thread started in this silo. A graceful shutdown stops them through their grains' deactivation
/// (which flushes); when the silo's container is disposed without that (the silo was killed), the threads that are
/// still running are aborted, so no worker outlives its silo.
/// </summary>
public sealed class SiloWorkers : IDisposable
{
    private readonly ConcurrentDictionary<WorkerThread, byte> _workers = new();

    /// <summary>Sets libtorch's intra-op threads for the process: the workers' threads already share the cores.</summary>
    public SiloWorkers(WorkerSettings settings) => TorchSetup.Configure(settings.TorchThreads);

    /// <summary>Workers whose loop has not ended yet.</summary>
    public int Running => _workers.Count;

    public void Start(WorkerThread worker)
    {
        _workers[worker] = 0;
        _ = worker.Completion.ContinueWith(_ => _workers.TryRemove(worker, out var _), TaskScheduler.Default);
        worker.Start();
    }

    public void Dispose()
    {
        foreach (var worker in _workers.Keys) worker.Abort();
    }
}
