using Fathom.Grains.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace Fathom.Deploy.Tests;

/// <summary>
/// A real scrape, as Prometheus would see a Fathom silo: an in-process Orleans silo with the Fathom, Orleans and .NET
/// runtime meters exported by the OpenTelemetry Prometheus HttpListener exporter on a free loopback port, the
/// StackExchange.Redis instrumentation against a real redis-server with <see cref="RedisCommandLatency"/>, and one
/// measurement in every <see cref="FathomTelemetry"/> instrument. The names are the exporter's own rendering.
/// </summary>
public sealed class TelemetryScrape : IAsyncLifetime
{
    private RedisServer? _redis;
    private ConnectionMultiplexer? _multiplexer;
    private IHost? _host;
    private IDisposable? _redisLatency;

    public string Text { get; private set; } = "";

    /// <summary>host:port of the silo's Prometheus endpoint (path /metrics), for a Prometheus to scrape.</summary>
    public string MetricsEndpoint { get; private set; } = "";

    /// <summary>The metric names of the scrape (sample lines, labels stripped).</summary>
    public IReadOnlySet<string> Names => ParseNames(Text);

    public IReadOnlySet<string> FathomNames => Names.Where(n => n.StartsWith("fathom_", StringComparison.Ordinal)).ToHashSet();

    public async Task InitializeAsync()
    {
        if (Tools.Find("redis-server") is null && !Tools.InCi)
        {
            return; // the tests that use this scrape are skipped (ToolFact) without redis-server
        }
        _redis = await RedisServer.StartAsync();
        _multiplexer = await ConnectionMultiplexer.ConnectAsync(_redis.Endpoint);
        var metricsPort = RedisServer.FreePort();
        MetricsEndpoint = $"127.0.0.1:{metricsPort}";

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton<IConnectionMultiplexer>(_multiplexer);
        builder.UseOrleans(silo => silo.UseLocalhostClustering(siloPort: RedisServer.FreePort(), gatewayPort: RedisServer.FreePort()));
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddRedisInstrumentation(_multiplexer, o => o.FlushInterval = TimeSpan.FromSeconds(1)))
            .WithMetrics(metrics => metrics
                .AddMeter(FathomTelemetry.Name, "Microsoft.Orleans")
                .AddRuntimeInstrumentation()
                .AddPrometheusHttpListener(o =>
                {
                    o.Host = "127.0.0.1";
                    o.Port = metricsPort;
                }));
        _host = builder.Build();
        _redisLatency = RedisCommandLatency.Start();
        await _host.StartAsync();

        var grains = _host.Services.GetRequiredService<IGrainFactory>();
        var database = _multiplexer.GetDatabase();
        foreach (var instrument in FathomInstruments.All)
        {
            FathomInstruments.RecordOnce(instrument);
        }

        // Some Orleans instruments first report after a periodic check (the watchdog): poll until the dashboard's
        // metrics are all there, or give up after 90 s and let the tests name what is missing.
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var wanted = DashboardQueries.AllMetricNames();
        var deadline = DateTime.UtcNow.AddSeconds(90);
        do
        {
            for (var i = 0; i < 5; i++)
            {
                await grains.GetGrain<IProbeGrain>(i).Ping();
                await database.StringSetAsync($"deploy-test-{i}", i);
            }
            await Task.Delay(1000);
            Text = await http.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics");
        }
        while (!wanted.IsSubsetOf(Names) && DateTime.UtcNow < deadline);
    }

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.StopAsync(TimeSpan.FromSeconds(10));
            _host.Dispose();
        }
        _redisLatency?.Dispose();
        _multiplexer?.Dispose();
        _redis?.Dispose();
    }

    public static IReadOnlySet<string> ParseNames(string scrape) => scrape
        .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
        .Where(line => !line.StartsWith('#'))
        .Select(line => line[..line.IndexOfAny(['{', ' '])])
        .ToHashSet();
}
