using Fathom.Grains.Contracts;
using Fathom.Grains.Stores;
using Orleans.Concurrency;

namespace Fathom.Grains.Grains;

/// <summary>Answers from the store settings of whichever silo it runs on (all silos of a cluster share them).</summary>
[StatelessWorker]
public sealed class ClusterInfoGrain(StoreSettings stores) : Grain, IClusterInfoGrain
{
    public Task<StoreEndpoints> GetStores() => Task.FromResult(new StoreEndpoints(stores.StateEndpoint, stores.ReplayEndpoints, stores.ReplayIsCluster));
}
