using System.Collections.Concurrent;
using Fathom.Learner;
using Microsoft.Extensions.Hosting;
using Orleans.Runtime;
using StackExchange.Redis;

namespace Fathom.Grains.Workers;

/// <summary>
/// Every worker thread started in this silo. A graceful shutdown stops them through their grains' deactivation
/// (which flushes); any worker still running when the host has stopped (the silo was killed, no deactivation ran)
/// is aborted without flushing, as if the process had died: no worker outlives its silo. Starting this service also loads libtorch and connects the
/// state store before the first grain needs them, so that no grain turn pays for it.
/// </summary>
public sealed class SiloWorkers : IHostedService, ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly ConcurrentDictionary<WorkerThread, byte> _workers = new();

    private readonly WorkerSettings _settings;
    private readonly IConnectionMultiplexer _state;
    private readonly IHostApplicationLifetime _lifetime;

    public SiloWorkers(WorkerSettings settings, IConnectionMultiplexer state, IHostApplicationLifetime lifetime)
    {
        _settings = settings;
        _state = state;
        _lifetime = lifetime;
    }

    /// <summary>Sets libtorch's intra-op threads (the workers' threads already share the cores) and opens the state store.</summary>
    public Task StartAsync(CancellationToken cancellationToken)
    {
        TorchSetup.Configure(_settings.TorchThreads);
        _lifetime.ApplicationStopped.Register(Dispose);
        return _state.GetDatabase().PingAsync().WaitAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>
    /// A silo stopped with an already cancelled token (killed) leaves its Active stage without deactivating grains:
    /// abort the workers there, before the cluster restarts them elsewhere, so that no learner runs twice.
    /// </summary>
    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(SiloWorkers), ServiceLifecycleStage.Active, _ => Task.CompletedTask, cancellation =>
        {
            if (cancellation.IsCancellationRequested) Dispose();
            return Task.CompletedTask;
        });

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
