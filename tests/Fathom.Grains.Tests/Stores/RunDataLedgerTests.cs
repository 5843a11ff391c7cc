using Fathom.Grains.Stores;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Replay;

namespace Fathom.Grains.Tests.Stores;

/// <summary>The rate limiter's ledger is part of a run's data: counted with it and deleted with it, never with another run's.</summary>
public sealed class RunDataLedgerTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task Deleting_a_run_removes_its_ledger_and_only_its_own()
    {
        var timeout = TimeSpan.FromSeconds(5);
        var run = $"ledger-{Guid.NewGuid():N}"[..16];
        var ledger = new RateLimiterLedger(redis.Redis.GetDatabase(), timeout);
        await ledger.ReportAsync(run, "deep", 0, 256, default);
        await ledger.ReportAsync($"{run}.resume2", "deep", 0, 512, default);
        var data = new RunData(new StoreSettings([redis.Server.EndPoint], false, redis.Server.EndPoint, null, timeout), "test-service");

        Assert.Equal(1, (await data.Usage(run)).Sum(u => u.Keys));
        Assert.Equal(1, (await data.Delete(run)).Sum(u => u.Keys));
        Assert.False(await redis.Redis.GetDatabase().KeyExistsAsync(RateLimiterLedger.Key(run)));
        Assert.Equal(512, (await ledger.ReadAsync($"{run}.resume2", default))["deep"].Sampled);
    }
}
