using Fathom.Grains.Placement;
using Fathom.Grains.Stores;
using Fathom.Grains.Workers;
using Fathom.Learner;
using Fathom.Replay;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;
using Orleans.Placement;
using StackExchange.Redis;

namespace Fathom.Grains;

/// <summary>What Fathom's grains need from a silo's service container. Local, redis and kubernetes modes and the test cluster all call this one method.</summary>
public static class FathomGrainServices
{
    /// <summary>Name of the Orleans grain storage (Redis) that holds experiment records.</summary>
    public const string StorageName = "fathom";

    public static IServiceCollection AddFathomGrains(this IServiceCollection services, StoreSettings stores, WorkerSettings workers)
    {
        services.AddSingleton(stores);
        services.AddSingleton(workers);
        // One multiplexer per process for the state store (weights, checkpoints, the rate limiter's ledger); it is also what the Redis tracing instruments.
        services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(stores.RedisOptions(stores.StateEndpoint)));
        services.AddSingleton(sp => new WeightStore(sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase(), stores.OperationTimeout));
        services.AddSingleton(sp => new CheckpointStore(sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase(), stores.OperationTimeout));
        services.AddSingleton(sp => new RateLimiterLedger(sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase(), stores.OperationTimeout));
        services.AddSingleton(sp => new RunRegistry(sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase(), stores.OperationTimeout));
        services.AddSingleton(sp => new RunData(stores, sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Orleans.Configuration.ClusterOptions>>().Value.ServiceId));
        services.AddSingleton<ReplayStores>();
        // What libtorch offers here (a test cluster registers its own to pretend there are GPUs).
        services.AddSingleton(_ => TorchDevices.Detect());
        services.AddSingleton<SiloWorkers>();
        services.AddHostedService(sp => sp.GetRequiredService<SiloWorkers>());
        services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(sp => sp.GetRequiredService<SiloWorkers>());
        services.AddPlacementDirector<SpreadPlacement, SpreadPlacementDirector>();
        services.AddPlacementDirector<PinnedPlacement, PinnedPlacementDirector>();
        services.AddPlacementFilter<RolePlacementFilterStrategy, RolePlacementFilterDirector>(ServiceLifetime.Transient);
        services.AddSingleton<ClusterRoles>();
        return services;
    }
}
