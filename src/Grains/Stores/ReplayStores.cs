using System.Collections.Concurrent;
using Fathom.Replay;
using Fathom.Grains.Specs;
using Fathom.Grains.Workers;

namespace Fathom.Grains.Stores;

/// <summary>
/// One replay store object per run in this silo, shared by its workers and grains (connections are per process,
/// not per caller). Standalone endpoints give the run's <see cref="ReplaySpec.Shards"/> shards round-robin
/// (several shards may share one server); a Redis Cluster spreads them by hash tag.
/// </summary>
public sealed class ReplayStores(StoreSettings settings, RedisConnectionHook? hook = null) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Lazy<Task<IReplayStore>>> _stores = new();
    private readonly ConcurrentBag<IDisposable> _hooked = [];

    /// <summary>
    /// Refuses a spec whose full replay could exceed <see cref="StoreSettings.ReplayBytesLimit"/>: beyond it the
    /// embedded store would drop episodes silently, so the run must not start.
    /// </summary>
    public void ThrowIfTooLarge(ExperimentSpec spec)
    {
        if (settings.ReplayBytesLimit is not { } limit) return;
        long bytesPerTransition = EpisodeCodec.BytesPerTransition(EnvironmentFactory.Layout(spec.Environment));
        long capacity = spec.Replay.CapacityTransitions;
        if (capacity * bytesPerTransition <= limit.Bytes) return;
        throw new SpecException([$"replay.capacity: must be in [1, {limit.Bytes / bytesPerTransition}] transitions on this store; {capacity} transitions of " +
                                 $"{bytesPerTransition} B take {capacity * bytesPerTransition / 1e6:F0} MB, more than the {limit.Bytes / 1e6:F0} MB it holds safely " +
                                 $"({limit.Setting}). Lower replay.capacity or give the store more memory."]);
    }

    /// <summary>
    /// Refuses a spec that does not fit its stores: the replay alone (<see cref="ThrowIfTooLarge"/>), then replay,
    /// weights and checkpoints against the memory the stores report (<see cref="StoreMemory"/>).
    /// </summary>
    public async Task ThrowIfTooLargeAsync(ExperimentSpec spec)
    {
        ThrowIfTooLarge(spec);
        await new StoreMemory(settings).ThrowIfTooSmall(spec);
    }

    /// <summary>The run's store; the first call connects off the caller's thread (grain turns stay short).</summary>
    public Task<IReplayStore> Get(string run, ExperimentSpec spec) =>
        _stores.GetOrAdd(run, _ => new Lazy<Task<IReplayStore>>(() => Task.Run(() => Connect(run, spec)))).Value;

    private async Task<IReplayStore> Connect(string run, ExperimentSpec spec)
    {
        var options = new ReplayStoreOptions(run, EnvironmentFactory.Layout(spec.Environment), spec.Replay.CapacityTransitions)
        {
            OperationTimeout = settings.OperationTimeout,
        };
        var store = settings.ReplayIsCluster
            ? await RedisReplayStore.ConnectClusterAsync(options, settings.RedisOptions(string.Join(",", settings.ReplayEndpoints)), spec.Replay.Shards, settings.ReplayConnections)
            : await RedisReplayStore.ConnectShardsAsync(options, Enumerable.Range(0, spec.Replay.Shards)
                .Select(shard => settings.RedisOptions(settings.ReplayEndpoints[shard % settings.ReplayEndpoints.Length]))
                .ToArray(), settings.ReplayConnections);
        if (hook is not null)
            foreach (var connection in store.Connections) _hooked.Add(hook.OnConnected(connection));
        return store;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hooked in _hooked) hooked.Dispose();
        foreach (var store in _stores.Values.Where(s => s.IsValueCreated))
        {
            try
            {
                await (await store.Value).DisposeAsync();
            }
            catch (Exception)
            {
                // A store that never connected has nothing to release.
            }
        }
    }
}
