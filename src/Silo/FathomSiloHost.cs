using System.Net;
using Fathom.Grains;
using Fathom.Grains.Placement;
using Fathom.Grains.Stores;
using Fathom.Grains.Telemetry;
using Fathom.Silo.Replay;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Instrumentation.StackExchangeRedis;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Persistence;
using Orleans.Serialization;
using Orleans.Storage;

namespace Fathom.Silo;

/// <summary>
/// Turns a .NET host into a Fathom silo for one of the three modes. The silo executable (Program.cs) and the
/// <c>fathom</c> command (which co-hosts a local silo) both call <see cref="AddFathomSilo"/>; only the options differ.
/// </summary>
public static class FathomSiloHost
{
    /// <summary>
    /// Configures <paramref name="builder"/>: in local mode starts the embedded Garnet server (disposed with the
    /// host); then the Orleans silo (clustering per mode, Redis grain storage, activity propagation), Fathom's
    /// grain services and telemetry (traces, metrics, OTLP when OTEL_EXPORTER_OTLP_ENDPOINT is set, Prometheus).
    /// Returns the store settings the silo uses (in local mode they point at the embedded server).
    /// </summary>
    public static StoreSettings AddFathomSilo(this IHostApplicationBuilder builder, FathomSiloOptions options)
    {
        options.Validate();
        var stores = StoresFor(builder, options);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(options.ShutdownSeconds));
        builder.UseOrleans(silo =>
        {
            ConfigureClustering(silo, options);
            ConfigureSilo(silo, stores, new WorkerSettings(options.TorchThreads, WorkerSettings.Default.PollPeriod, WorkerSettings.Default.StopTimeout) { Device = options.Device }, options.Role);
        });
        builder.AddFathomTelemetry(options.PrometheusHost, options.PrometheusPort);
        return stores;
    }

    /// <summary>
    /// What every Fathom silo has whatever its clustering: its role as silo metadata (placement reads it), Redis
    /// grain storage for experiments, activity propagation, and Fathom's grain services. The test cluster's silo
    /// configurator calls this too; reminders are configured with the clustering (they live where membership does).
    /// </summary>
    public static void ConfigureSilo(ISiloBuilder silo, StoreSettings stores, WorkerSettings workers, SiloRole role)
    {
        silo.UseSiloMetadata(new Dictionary<string, string> { [SiloRoles.MetadataKey] = role.Name() });
        silo.AddRedisGrainStorage(FathomGrainServices.StorageName, (OptionsBuilder<RedisStorageOptions> storage) => storage.Configure<Serializer>((o, serializer) =>
        {
            o.ConfigurationOptions = stores.RedisOptions(stores.StateEndpoint);
            o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer);
        }));
        silo.AddActivityPropagation();
        silo.Services.AddFathomGrains(stores, workers);
    }

    /// <summary>Traces and metrics for Fathom, Orleans, Redis and the runtime; exporters as configured.</summary>
    public static void AddFathomTelemetry(this IHostApplicationBuilder builder, string prometheusHost, int prometheusPort)
    {
        var telemetry = builder.Services.AddOpenTelemetry()
            // OTEL_SERVICE_NAME (fathom-collector, fathom-learner in kubernetes) names the service; "Fathom" when unset.
            .ConfigureResource(r => r.AddService(builder.Configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } service ? service : FathomTelemetry.Name))
            .WithTracing(tracing => tracing
                .AddSource(FathomTelemetry.Name, "Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application")
                .AddRedisInstrumentation())
            .WithMetrics(metrics =>
            {
                metrics.AddMeter(FathomTelemetry.Name, "Microsoft.Orleans").AddRuntimeInstrumentation();
                if (prometheusPort != 0)
                    metrics.AddPrometheusHttpListener(o =>
                    {
                        o.Host = prometheusHost;
                        o.Port = prometheusPort;
                    });
            });
        builder.Services.AddHostedService<RedisLatencyService>();
        // Replay shard connections are opened per run; the instrumentation learns of them as they open.
        builder.Services.AddSingleton(sp => new RedisConnectionHook(connection => sp.GetRequiredService<StackExchangeRedisInstrumentation>().AddConnection(connection)));
        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            telemetry.UseOtlpExporter();
    }

    private static StoreSettings StoresFor(IHostApplicationBuilder builder, FathomSiloOptions options)
    {
        var timeout = TimeSpan.FromSeconds(options.StoreTimeoutSeconds);
        if (options.Mode != SiloMode.Local)
            return new StoreSettings(options.ReplayEndpoints, options.ReplayIsCluster,
                StoreSettings.StateEndpointFor(options.StateRedis, options.ReplayEndpoints)!, options.RedisPassword, timeout);

        var port = options.LocalStorePort;
        if (port == 0 || !LoopbackPorts.IsListening(port))
        {
            // Start the embedded store; a configured port that already answers belongs to another local silo and is shared.
            var server = EmbeddedReplayServer.Start(port == 0 ? LoopbackPorts.Free() : port, options.LocalStoreMemory);
            builder.Services.AddHostedService(_ => new EmbeddedStoreService(server));
            port = server.Port;
        }
        var endpoint = $"127.0.0.1:{port}";
        var limit = new ReplayBytesLimit(EmbeddedReplayServer.SafeReplayBytes(options.LocalStoreMemory), $"40% of FATHOM_LOCAL_STORE_MEMORY={options.LocalStoreMemory}",
            EmbeddedReplayServer.ParseSize(options.LocalStoreMemory));
        return new StoreSettings([endpoint], false, endpoint, null, timeout, ReplayBytesLimit: limit);
    }

    private static void ConfigureClustering(ISiloBuilder silo, FathomSiloOptions options)
    {
        switch (options.Mode)
        {
            case SiloMode.Local:
                var primary = options.SiloPort == options.PrimarySiloPort ? null : new IPEndPoint(IPAddress.Loopback, options.PrimarySiloPort);
                silo.UseLocalhostClustering(options.SiloPort, options.GatewayPort, primary, options.ServiceId, options.ClusterId);
                // One process: the reminder table lives as long as the run can.
                silo.UseInMemoryReminderService();
                break;
            case SiloMode.Redis:
                silo.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (options.ServiceId, options.ClusterId));
                silo.UseRedisClustering(o => o.ConfigurationOptions = MembershipOptions(options));
                silo.UseRedisReminderService(o => o.ConfigurationOptions = MembershipOptions(options));
                if (options.AdvertisedIp is { } advertised)
                    silo.ConfigureEndpoints(IPAddress.Parse(advertised), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
                else
                    silo.ConfigureEndpoints(options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
                break;
            case SiloMode.Kubernetes:
                silo.Configure<ClusterOptions>(o => (o.ServiceId, o.ClusterId) = (options.ServiceId, options.ClusterId));
                silo.Configure<SiloOptions>(o => o.SiloName = options.SiloName!);
                silo.UseRedisClustering(o => o.ConfigurationOptions = MembershipOptions(options));
                silo.UseRedisReminderService(o => o.ConfigurationOptions = MembershipOptions(options));
                silo.ConfigureEndpoints(IPAddress.Parse(options.AdvertisedIp!), options.SiloPort, options.GatewayPort, listenOnAnyHostAddress: true);
                break;
        }
    }

    private static StackExchange.Redis.ConfigurationOptions MembershipOptions(FathomSiloOptions options)
    {
        var redis = StackExchange.Redis.ConfigurationOptions.Parse(options.MembershipRedis!);
        redis.Password ??= options.RedisPassword;
        redis.AbortOnConnectFail = false;
        return redis;
    }
}
