using Fathom.Grains.Stores;
using Fathom.Grains.Workers;
using Fathom.Silo;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Fathom.Grains.Tests.Cluster;

/// <summary>
/// A real multi-silo Orleans cluster in this process (in-process membership, so any silo can be killed), each
/// silo configured by the same <see cref="FathomSiloHost.ConfigureSilo"/> as production, against a real
/// Redis-compatible server. Failure detection is tightened so that a killed silo is declared dead in seconds.
/// </summary>
public static class FathomTestCluster
{
    public static Task<InProcessTestCluster> StartAsync(int silos, string storeEndpoint) =>
        StartAsync(silos, new StoreSettings([storeEndpoint], false, storeEndpoint, null, TimeSpan.FromSeconds(10)));

    /// <summary>As above, with replay and state stores of their own.</summary>
    public static async Task<InProcessTestCluster> StartAsync(int silos, StoreSettings stores)
    {
        var workers = new WorkerSettings(TorchThreads: 1, PollPeriod: TimeSpan.FromMilliseconds(500), StopTimeout: TimeSpan.FromSeconds(60));
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.ConfigureSilo((_, silo) =>
        {
            FathomSiloHost.ConfigureSilo(silo, stores, workers);
            silo.Configure<ClusterMembershipOptions>(o =>
            {
                o.ProbeTimeout = TimeSpan.FromSeconds(1);
                o.NumMissedProbesLimit = 2;
                o.NumVotesForDeathDeclaration = 1;
                o.TableRefreshTimeout = TimeSpan.FromSeconds(1);
            });
            silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(10));
        });
        builder.ConfigureClient(client => client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = TimeSpan.FromSeconds(15)));
        var cluster = builder.Build();
        await cluster.DeployAsync();
        return cluster;
    }

    /// <summary>The Fathom worker registry of one silo (to check that no worker outlives a killed silo).</summary>
    public static SiloWorkers Workers(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<SiloWorkers>();
}
