using Fathom.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;

namespace Fathom.Grains.Tests.Silo;

/// <summary>The silo host as the executable wires it, in local mode: embedded store, health, Prometheus scrape.</summary>
public sealed class LocalSiloHostTests
{
    [Fact]
    public async Task A_local_silo_starts_with_nothing_installed_answers_its_probes_and_serves_metrics()
    {
        var options = new FathomSiloOptions
        {
            SiloPort = LoopbackPorts.Free(),
            GatewayPort = LoopbackPorts.Free(),
            HealthPort = LoopbackPorts.Free(),
            PrometheusPort = LoopbackPorts.Free(),
            LocalStoreMemory = "64m",
        };
        options = options with { PrimarySiloPort = options.SiloPort };
        var builder = WebApplication.CreateBuilder();
        var stores = builder.AddFathomSilo(options);
        builder.WebHost.UseUrls($"http://127.0.0.1:{options.HealthPort}");
        await using var app = builder.Build();
        app.MapFathomHealth();
        await app.StartAsync();

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        Assert.Equal("ready", (await http.GetStringAsync($"http://127.0.0.1:{options.HealthPort}/healthz/ready")).Trim('"'));
        Assert.Equal("live", (await http.GetStringAsync($"http://127.0.0.1:{options.HealthPort}/healthz/live")).Trim('"'));
        Assert.StartsWith("127.0.0.1:", stores.StateEndpoint);
        Assert.Equal(Fathom.Silo.Replay.EmbeddedReplayServer.SafeReplayBytes("64m"), stores.ReplayBytesLimit!.Bytes);
        Assert.True(LoopbackPorts.IsListening(int.Parse(stores.StateEndpoint.Split(':')[1])), "the embedded store is not listening");
        var metrics = await http.GetStringAsync($"http://127.0.0.1:{options.PrometheusPort}/metrics");
        Assert.Contains("orleans_", metrics);

        await app.StopAsync();
        Assert.False(LoopbackPorts.IsListening(int.Parse(stores.StateEndpoint.Split(':')[1])), "the embedded store outlived its silo");
    }
}
