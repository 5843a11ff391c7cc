using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;
using Fathom.Silo;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Instrumentation.StackExchangeRedis;

namespace Fathom.Deploy.Tests;

/// <summary>
/// The real Fathom silo host (<see cref="FathomSiloHost.AddFathomSilo"/>, local mode: embedded Garnet) in process,
/// running a tiny experiment to its budget, with a real Prometheus scraping its /metrics on loopback from before the
/// run starts and its OTLP exporter pointed, through the standard OTEL_* settings, at a loopback
/// <see cref="OtlpTraceReceiver"/>. Shared by the telemetry acceptance tests so the run happens once.
/// </summary>
public sealed class TinyExperimentSilo : IAsyncLifetime
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(2);

    /// <summary>
    /// U maze, one collector of 8 envs, a depth-4 width-32 behaviour learner: a few seconds of collection and a few
    /// hundred updates, with evaluations and checkpoints inside the run.
    /// </summary>
    public static readonly ExperimentSpec Spec = SpecLoader.ParseYaml("""
        seed: 3
        environment: { train_layout: u_maze, eval_layout: u_maze_eval, episode_length: 20 }
        budget: { env_steps: 3200 }
        collectors:
          - { count: 1, envs: 8, behaviour: learner, weight_refresh_steps: 5 }
        learners:
          - name: learner
            role: behaviour
            actor: { depth: 4, width: 32 }
            critic: { depth: 4, width: 32 }
            batch: 32
            samples_per_insert: 1.6
        replay: { shards: 2, capacity: 100000, min_transitions: 320 }
        evaluation: { period_updates: 50, episodes: 8 }
        checkpoint: { period_updates: 100 }
        """);

    private IHost? _host;

    /// <summary>OTEL_SERVICE_NAME as the chart sets it: the traces must carry it.</summary>
    public const string ServiceName = "fathom-test-silo";

    /// <summary>The run's name, unique so that its series are told apart from any other in the process.</summary>
    public string Run { get; } = $"telemetry-{Guid.NewGuid():N}"[..20];

    public OtlpTraceReceiver Traces { get; } = new();

    public PrometheusServer? Prometheus { get; private set; }

    /// <summary>The run's final status (the run must have finished for the tests to mean anything).</summary>
    public ExperimentStatus? Status { get; private set; }

    public async Task InitializeAsync()
    {
        if (Tools.Find("prometheus") is null && !Tools.InCi)
        {
            return; // the tests are skipped (ToolFact) without prometheus
        }
        var options = new FathomSiloOptions
        {
            SiloPort = RedisServer.FreePort(),
            GatewayPort = RedisServer.FreePort(),
            PrometheusPort = RedisServer.FreePort(),
            HealthPort = 0,
            LocalStoreMemory = "64m",
            ShutdownSeconds = 30,
        };
        options = options with { PrimarySiloPort = options.SiloPort };
        Prometheus = await PrometheusServer.StartAsync([$"127.0.0.1:{options.PrometheusPort}"]);

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"] = Traces.Endpoint;
        builder.Configuration["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf";
        builder.Configuration["OTEL_SERVICE_NAME"] = ServiceName;
        builder.Configuration["OTEL_BSP_SCHEDULE_DELAY"] = "500";
        builder.Configuration["OTEL_METRIC_EXPORT_INTERVAL"] = "1000";
        builder.AddFathomSilo(options);
        // Redis spans are drained from the profiler every FlushInterval (10 s by default): sooner, for a short test.
        builder.Services.Configure<StackExchangeRedisInstrumentationOptions>(o => o.FlushInterval = TimeSpan.FromSeconds(1));
        _host = builder.Build();
        await _host.StartAsync();

        var experiment = _host.Services.GetRequiredService<IGrainFactory>().GetGrain<IExperimentGrain>(Run);
        await experiment.Start(Spec);
        var deadline = DateTime.UtcNow + RunTimeout;
        var status = await experiment.GetStatus();
        while (!status.IsOver && DateTime.UtcNow < deadline)
        {
            await Task.Delay(500);
            status = await experiment.GetStatus();
        }
        Status = status;
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync();
            _host.Dispose();
        }
        if (Prometheus is not null)
        {
            await Prometheus.DisposeAsync();
        }
        Traces.Dispose();
    }
}
