using System.Collections.Concurrent;

namespace Fathom.Grains.Workers;

/// <summary>
/// Every worker thread started in this silo. A graceful shutdown stops them through their grains' deactivation
/// (which flushes); when the silo's container is disposed without that (the silo was killed), the threads that are
/// still running are aborted, so no worker outlives its silo.
/// </summary>
public sealed class SiloWorkers : IDisposable
{
    private readonly ConcurrentDictionary<WorkerThread, byte> _workers = new();

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
