using Fathom.Grains.Placement;
using Fathom.Grains.Stores;
using Fathom.Grains.Workers;
using Fathom.Silo;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Fathom.Grains.Tests.Cluster;

/// <summary>
/// A real multi-silo Orleans cluster in this process (in-process membership, so any silo can be killed), each
/// silo configured by the same <see cref="FathomSiloHost.ConfigureSilo"/> as production, against a real
/// Redis-compatible server. Failure detection is tightened so that a killed silo is declared dead in seconds.
/// Silos may be given roles (<paramref name="roles"/>, by silo index; all <see cref="SiloRole.Any"/> by default);
/// placement then honours them, as in a real cluster (the test host's "all silos alike" shortcut is off).
/// Reminders live in memory, or in <paramref name="reminderRedis"/> when a test kills silos and needs them to survive.
/// <c>services</c> runs after Fathom's registrations, so a test can replace one (e.g. <see cref="Fathom.Learner.TorchDevices"/>).
/// </summary>
public static class FathomTestCluster
{
    /// <summary>Worker settings of test silos: quick polls, and a reminder period of seconds instead of a minute.</summary>
    public static readonly WorkerSettings Workers = new WorkerSettings(TorchThreads: 1, PollPeriod: TimeSpan.FromMilliseconds(500), StopTimeout: TimeSpan.FromSeconds(60))
    {
        ReminderPeriod = TimeSpan.FromSeconds(5),
        RunCheckPeriod = TimeSpan.FromSeconds(2),
    };

    public static Task<InProcessTestCluster> StartAsync(int silos, string storeEndpoint, SiloRole[]? roles = null, string? reminderRedis = null,
        WorkerSettings? workers = null, Action<IServiceCollection>? services = null) =>
        StartAsync(silos, new StoreSettings([storeEndpoint], false, storeEndpoint, null, TimeSpan.FromSeconds(10)), roles, reminderRedis, workers, services);

    /// <summary>As above, with replay and state stores of their own.</summary>
    public static async Task<InProcessTestCluster> StartAsync(int silos, StoreSettings stores, SiloRole[]? roles = null, string? reminderRedis = null,
        WorkerSettings? workers = null, Action<IServiceCollection>? services = null)
    {
        var builder = new InProcessTestClusterBuilder((short)silos);
        builder.Options.AssumeHomogenousSilosForTesting = false; // placement filters (roles) apply only without it
        builder.ConfigureSilo((options, silo) =>
        {
            // Test silos are named Silo_<index>; silos started later than the first ones (index past roles) take any.
            var index = int.Parse(options.SiloName["Silo_".Length..]);
            var role = roles is not null && index < roles.Length ? roles[index] : SiloRole.Any;
            FathomSiloHost.ConfigureSilo(silo, stores, workers ?? Workers, role);
            services?.Invoke(silo.Services);
            if (reminderRedis is null) silo.UseInMemoryReminderService();
            else silo.UseRedisReminderService(o => o.ConfigurationOptions = StackExchange.Redis.ConfigurationOptions.Parse(reminderRedis));
            silo.Configure<ReminderOptions>(o => o.MinimumReminderPeriod = TimeSpan.FromSeconds(1));
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
    public static SiloWorkers WorkersOf(InProcessSiloHandle silo) => silo.ServiceProvider.GetRequiredService<SiloWorkers>();
}
