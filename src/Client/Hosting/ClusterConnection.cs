using Fathom.Grains.Contracts;
using Fathom.Grains.Stores;
using Fathom.Silo;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Orleans.Configuration;
using StackExchange.Redis;

namespace Fathom.Client.Hosting;

/// <summary>
/// The client's way into a cluster. Local mode co-hosts a whole silo (and its embedded Garnet store) in this
/// process on free loopback ports, so several <c>fathom</c> processes can run side by side; cluster mode joins a
/// running cluster as an Orleans client through its Redis membership table. Either way the caller gets a grain
/// factory and the checkpoint store that learners save to.
/// </summary>
public sealed class ClusterConnection : IAsyncDisposable
{
    static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    readonly IHost _host;
    readonly IConnectionMultiplexer? _stateRedis;

    public IClusterClient Client { get; }
    public CheckpointStore Checkpoints { get; }

    /// <summary>Human-readable description of where this connection points, for the progress header.</summary>
    public string Description { get; }

    ClusterConnection(IHost host, CheckpointStore checkpoints, IConnectionMultiplexer? stateRedis, string description)
    {
        _host = host;
        _stateRedis = stateRedis;
        Client = host.Services.GetRequiredService<IClusterClient>();
        Checkpoints = checkpoints;
        Description = description;
    }

    /// <summary>
    /// The co-hosted silo's settings: what a silo reads from the environment (FATHOM_DEVICE, FATHOM_LOCAL_STORE_MEMORY,
    /// FATHOM_TORCH_THREADS, ...) in the local mode, on free loopback ports and with no endpoints of its own. A bad
    /// variable throws <see cref="ArgumentException"/> naming it.
    /// </summary>
    public static FathomSiloOptions LocalOptions()
    {
        var environment = new ConfigurationBuilder().AddEnvironmentVariables().Build();
        var siloPort = LoopbackPorts.Free();
        return FathomSiloOptions.FromConfiguration(environment) with
        {
            Mode = SiloMode.Local,
            Role = Fathom.Grains.Placement.SiloRole.Any,
            SiloPort = siloPort,
            PrimarySiloPort = siloPort,
            GatewayPort = LoopbackPorts.Free(),
            ClusterId = $"fathom-local-{siloPort}",
            LocalStorePort = 0,
            HealthPort = 0,
            PrometheusPort = 0,
            ShutdownSeconds = (int)StopTimeout.TotalSeconds,
        };
    }

    /// <summary>Starts a silo in this process (local mode: localhost clustering, embedded Garnet), nothing to install.</summary>
    public static async Task<ClusterConnection> StartLocalAsync(CancellationToken cancel)
    {
        var builder = QuietBuilder();
        var options = LocalOptions();
        // The embedded replay server (Garnet) prints its banner to stdout when it starts; stdout belongs to progress and results.
        var stdout = Console.Out;
        Console.SetOut(TextWriter.Null);
        IHost host;
        StoreSettings stores;
        try
        {
            stores = builder.AddFathomSilo(options);
            host = builder.Build();
            await host.StartAsync(cancel);
        }
        finally
        {
            Console.SetOut(stdout);
        }
        return new ClusterConnection(host, host.Services.GetRequiredService<CheckpointStore>(), null, $"local silo, store {stores.StateEndpoint}");
    }

    /// <summary>
    /// Joins a running cluster through its Redis membership table as <paramref name="target"/> names it (service and
    /// cluster ids, password). Checkpoints are read and written on the target's state store, or, when it names none,
    /// on the state store the cluster's silos report.
    /// </summary>
    public static async Task<ClusterConnection> ConnectAsync(ClusterTarget target, CancellationToken cancel)
    {
        var membership = target.Membership ?? throw new ArgumentException("a cluster target needs a membership Redis", nameof(target));
        var builder = QuietBuilder();
        builder.Logging.AddFilter("Microsoft.Extensions.Hosting", LogLevel.None); // a failed start is thrown, and the command says it in one line
        builder.UseOrleansClient(client =>
        {
            client.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (target.ServiceId, target.ClusterId));
            client.UseRedisClustering(o => o.ConfigurationOptions = target.Redis(membership));
            // Joins the client's grain calls into the silos' traces.
            client.AddActivityPropagation();
        });
        var host = builder.Build();
        await host.StartAsync(cancel);
        var stateEndpoint = target.State ?? (await host.Services.GetRequiredService<IClusterClient>().GetGrain<IClusterInfoGrain>(0).GetStores()).State;
        var state = await ConnectionMultiplexer.ConnectAsync(target.Redis(stateEndpoint));
        var checkpoints = new CheckpointStore(state.GetDatabase(), StoreSettings.DefaultOperationTimeout);
        return new ClusterConnection(host, checkpoints, state, $"cluster {membership} (cluster id {target.ClusterId}), state {stateEndpoint}");
    }

    /// <summary>A host without configuration sources or chatty logs: warnings and errors go to stderr, one line each with no
    /// stack trace (<see cref="OneLineLogFormatter"/>); progress owns stdout.</summary>
    static HostApplicationBuilder QuietBuilder()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.Logging.AddConsole(o => (o.LogToStandardErrorThreshold, o.FormatterName) = (LogLevel.Trace, OneLineLogFormatter.Name))
            .AddConsoleFormatter<OneLineLogFormatter, Microsoft.Extensions.Logging.Console.ConsoleFormatterOptions>();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Logging.AddFilter("Orleans", LogLevel.Error);
        builder.Logging.AddFilter("Microsoft", LogLevel.Error);
        return builder;
    }

    public async ValueTask DisposeAsync()
    {
        using (var timeout = new CancellationTokenSource(StopTimeout))
        {
            try { await _host.StopAsync(timeout.Token); }
            catch (OperationCanceledException) { }
        }
        _host.Dispose();
        _stateRedis?.Dispose();
    }
}
