using System.Diagnostics;
using Fathom.Grains.Contracts;
using Fathom.Grains.Tests.Cluster;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Silo;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using StackExchange.Redis;

namespace Fathom.Grains.Tests.Silo;

/// <summary>
/// The redis mode as the executable wires it, against real redis-server processes: Redis membership on one server,
/// replay, weights, checkpoints and experiment records on another. A small run goes through it.
/// </summary>
public sealed class RedisModeSiloTests
{
    [Fact]
    public async Task A_silo_in_redis_mode_joins_through_redis_membership_and_runs_an_experiment()
    {
        using var membership = LocalRedisServer.Start();
        using var replay = LocalRedisServer.Start(password: "replay-secret");
        var options = new FathomSiloOptions
        {
            Mode = SiloMode.Redis,
            ClusterId = $"test-{Guid.NewGuid():N}"[..13],
            MembershipRedis = membership.EndPoint,
            ReplayEndpoints = [replay.EndPoint],
            RedisPassword = "replay-secret",
            AdvertisedIp = "127.0.0.1",
            SiloPort = LoopbackPorts.Free(),
            GatewayPort = LoopbackPorts.Free(),
            HealthPort = LoopbackPorts.Free(),
            PrometheusPort = 0,
        };
        var builder = WebApplication.CreateBuilder();
        builder.AddFathomSilo(options);
        builder.WebHost.UseUrls($"http://127.0.0.1:{options.HealthPort}");
        await using var app = builder.Build();
        app.MapFathomHealth();
        await app.StartAsync();

        var experiment = app.Services.GetRequiredService<IGrainFactory>().GetGrain<IExperimentGrain>("redis-mode");
        var spec = TestSpecs.CollectorVsLearner(budget: 3_200, evaluationPeriod: 50);
        await experiment.Start(spec with { Learners = spec.Learners[..1] });
        var clock = Stopwatch.StartNew();
        while (!(await experiment.GetStatus()).IsOver && clock.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(250);

        var status = await experiment.GetStatus();
        Assert.Equal(ExperimentState.Finished, status.State);
        Assert.True(status.Learners.Single().Updates > 0);
        await using var membershipClient = await ConnectionMultiplexer.ConnectAsync(membership.EndPoint);
        var membershipKeys = membershipClient.GetServers().Single().Keys(pattern: $"*{options.ClusterId}*").ToArray();
        Assert.NotEmpty(membershipKeys);
        await using var replayClient = await ConnectionMultiplexer.ConnectAsync($"{replay.EndPoint},password=replay-secret");
        Assert.NotEmpty(replayClient.GetServers().Single().Keys(pattern: "fathom:replay:*redis-mode*").ToArray());
        Assert.NotEmpty(replayClient.GetServers().Single().Keys(pattern: "fathom:redis-mode:checkpoint:*").ToArray());
        await app.StopAsync();
    }
}
