using Fathom.Grains.Contracts;
using Fathom.Replay;
using Fathom.Grains.Stores;
using Fathom.Grains.Tests.Cluster;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Grains.Workers;
using StackExchange.Redis;

namespace Fathom.Grains.Tests.Workers;

/// <summary>A learner worker on its own thread against a real redis-server, without grains.</summary>
public sealed class LearnerWorkerTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task A_learner_that_fails_while_starting_up_leaves_no_replay_prefetching_behind()
    {
        Fathom.Learner.TorchSetup.Configure(1);
        using var server = LocalRedisServer.Start();
        var settings = new StoreSettings([server.EndPoint], false, server.EndPoint, null, Timeout);
        await using var state = await ConnectionMultiplexer.ConnectAsync(settings.RedisOptions(server.EndPoint));
        // Weights live on a state store that cannot be reached: the behaviour learner's first read of them fails.
        var unreachable = $"127.0.0.1:{LocalRedisServer.FreePort()}";
        await using var lost = await ConnectionMultiplexer.ConnectAsync(settings.RedisOptions(unreachable));
        var spec = TestSpecs.CollectorVsLearner(budget: 12_800);
        var run = $"startup-{Guid.NewGuid():N}"[..16];
        var options = new ReplayStoreOptions(run, EnvironmentFactory.Layout(spec.Environment), spec.Replay.CapacityTransitions) { OperationTimeout = Timeout };
        await using var store = await RedisReplayStore.ConnectShardsAsync(options, [settings.RedisOptions(server.EndPoint)]);
        var learner = new LearnerWorker(new LearnerAssignment(run, spec.Learners[0].Name, spec, DateTime.UtcNow), store,
            new WeightStore(lost.GetDatabase(), Timeout), new CheckpointStore(state.GetDatabase(), Timeout), new RateLimiterLedger(state.GetDatabase(), Timeout), "test");

        learner.Start();
        await learner.Completion.WaitAsync(TimeSpan.FromSeconds(20));
        // Unreachable reads as a timeout, or, when the connection attempt fails first (a busy machine), as a connection error.
        Assert.True(learner.Error is TimeoutException or RedisConnectionException, $"expected a timeout or a connection error, got {learner.Error}");
        Assert.Contains(nameof(WeightStore.LatestVersion), learner.Error.StackTrace);

        // A worker that has ended reads nothing more: no replay prefetching outlives it.
        var before = IndexReads(server);
        await Task.Delay(TimeSpan.FromSeconds(1));
        Assert.Equal(before, IndexReads(server));
    }

    /// <summary>LRANGE calls the server has answered: each one is a read of a shard's replay index.</summary>
    private static long IndexReads(LocalRedisServer server)
    {
        var stats = LocalRedisServer.RedisCli("-p", server.Port.ToString(), "INFO", "commandstats");
        var line = stats.Split('\n').FirstOrDefault(l => l.StartsWith("cmdstat_lrange:", StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line.Split("calls=")[1].Split(',')[0]);
    }
}
