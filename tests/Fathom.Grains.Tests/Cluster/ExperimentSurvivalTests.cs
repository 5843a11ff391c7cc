using System.Diagnostics;
using Fathom.Grains.Contracts;
using Fathom.Grains.Tests.Infrastructure;
using Orleans.TestingHost;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Fathom.Grains.Tests.Cluster;

/// <summary>
/// An experiment outlives the silo it was driven from: its reminder (in a real redis-server, as in the redis mode)
/// reactivates it elsewhere with nobody watching, and it brings the run to its budget.
/// </summary>
public sealed class ExperimentSurvivalTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_run_reaches_its_budget_after_the_experiments_silo_is_killed_with_no_client_attached()
    {
        using var redis = LocalRedisServer.Start();
        // Workers do not ask after their run within the test's time: only the reminder can bring the experiment back.
        var workers = FathomTestCluster.Workers with { RunCheckPeriod = TimeSpan.FromHours(1) };
        await using var cluster = await FathomTestCluster.StartAsync(3, redis.EndPoint, reminderRedis: redis.EndPoint, workers: workers);
        var run = $"outlive-{Guid.NewGuid():N}"[..16];
        var spec = TestSpecs.CollectorVsLearner(budget: 16_000, checkpointPeriod: 50);
        var experiment = cluster.Client.GetGrain<IExperimentGrain>(run);
        await experiment.Start(spec);

        var management = cluster.Client.GetGrain<IManagementGrain>(0);
        ExperimentStatus status;
        do
        {
            await Task.Delay(250);
            status = await experiment.GetStatus();
        } while (status.EnvSteps < 3_200 && !status.IsOver);
        Assert.False(status.IsOver, "the run ended before its silo could be killed");
        var host = await management.GetActivationAddress(experiment);
        var silo = cluster.Silos.Single(s => s.SiloAddress.Equals(host));
        var clock = Stopwatch.StartNew();
        await cluster.KillSiloAsync(silo);
        output.WriteLine($"killed the experiment's silo {host} at {status.EnvSteps} env steps");

        // No client call reaches the experiment from here on: watch its learners only (they do not call it either).
        var learners = spec.Learners.Select(l => cluster.Client.GetGrain<ILearnerGrain>(GrainKeys.Learner(run, l.Name))).ToArray();
        LearnerProgress[] progress = [];
        while (clock.Elapsed < TimeSpan.FromMinutes(4))
        {
            await Task.Delay(1000);
            try
            {
                progress = await Task.WhenAll(learners.Select(l => l.GetStatus()));
            }
            catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
            {
                continue;
            }
            if (progress.All(p => p.State == ExperimentState.Finished)) break;
        }
        foreach (var p in progress) output.WriteLine($"{p.Name}: {p.State} at {p.Updates} updates (resumed from {p.ResumedFromUpdates}) on {p.Silo} {p.Error}");
        Assert.All(progress, p => Assert.Equal(ExperimentState.Finished, p.State));

        // The learners finished because the experiment told them to: it was back. Its last poll may still be collecting
        // their final figures, so the client (attached only now) waits for it to close.
        var final = await experiment.GetStatus();
        for (var waited = 0; !final.IsOver && waited < 120; waited++)
        {
            await Task.Delay(500);
            final = await experiment.GetStatus();
        }
        output.WriteLine($"after {clock.Elapsed.TotalSeconds:F0} s: {final.State} at {final.EnvSteps} env steps {final.Error}");
        Assert.Equal(ExperimentState.Finished, final.State);
        Assert.True(final.EnvSteps >= spec.BudgetEnvSteps, $"{final.EnvSteps} env steps of {spec.BudgetEnvSteps}");
        Assert.NotEqual(host, await management.GetActivationAddress(experiment));
    }

    [Fact]
    public async Task A_write_of_the_record_that_landed_after_its_timeout_does_not_fail_the_run()
    {
        using var redis = LocalRedisServer.Start();
        await using var cluster = await FathomTestCluster.StartAsync(1, redis.EndPoint);
        var run = $"late-{Guid.NewGuid():N}"[..16];
        var experiment = cluster.Client.GetGrain<IExperimentGrain>(run);
        await experiment.Start(TestSpecs.CollectorVsLearner(budget: 1_000_000));
        var key = await RecordKey(redis, run);

        // What a write whose reply was lost leaves behind: the activation's own record under an ETag it never heard of.
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.EndPoint);
        await connection.GetDatabase().HashSetAsync(key, "etag", "a-write-whose-reply-was-lost");
        var moved = await WaitForNextWrite(connection, key, "a-write-whose-reply-was-lost");
        var status = await experiment.GetStatus();
        output.WriteLine($"after the moved ETag: written again {moved}, {status.State} at {status.EnvSteps} env steps {status.Error}");
        Assert.True(moved, "the experiment did not write its record again within 60 s");
        Assert.Equal(ExperimentState.Running, status.State);

        // A record that is gone is still a lost record: the run fails and says why.
        await connection.GetDatabase().KeyDeleteAsync(key);
        for (var waited = 0; !status.IsOver && waited < 120; waited++)
        {
            await Task.Delay(500);
            status = await experiment.GetStatus();
        }
        output.WriteLine($"after the delete: {status.State} {status.Error}");
        Assert.Equal(ExperimentState.Failed, status.State);
        Assert.Contains("record vanished from the state store", status.Error);
    }

    /// <summary>The experiment's record in Orleans' Redis grain storage (a hash whose key holds the grain id).</summary>
    private static async Task<RedisKey> RecordKey(LocalRedisServer redis, string run)
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.EndPoint);
        var server = connection.GetServer(connection.GetEndPoints().Single());
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: $"*/state/*{run}*")) keys.Add(key);
        return Assert.Single(keys);
    }

    /// <summary>True once the record's ETag is no longer <paramref name="etag"/> (the grain wrote the record again).</summary>
    private static async Task<bool> WaitForNextWrite(ConnectionMultiplexer connection, RedisKey key, string etag)
    {
        for (var waited = 0; waited < 120; waited++)
        {
            await Task.Delay(500);
            var stored = await connection.GetDatabase().HashGetAsync(key, "etag");
            if (stored.HasValue && stored != etag) return true;
        }
        return false;
    }

    [Fact]
    public async Task A_worker_whose_run_is_unknown_stops_by_itself()
    {
        using var redis = LocalRedisServer.Start();
        await using var cluster = await FathomTestCluster.StartAsync(1, redis.EndPoint);
        var spec = TestSpecs.CollectorVsLearner(budget: 1_000_000);
        // A learner started for an experiment that has no record (a deleted run): nobody will ever tell it to stop.
        var run = $"ghost-{Guid.NewGuid():N}"[..16];
        var learner = cluster.Client.GetGrain<ILearnerGrain>(GrainKeys.Learner(run, "deep"));
        await learner.Start(new LearnerAssignment(run, "deep", spec, DateTime.UtcNow));
        Assert.Equal(ExperimentState.Running, (await learner.GetStatus()).State);

        var clock = Stopwatch.StartNew();
        LearnerProgress progress;
        do
        {
            await Task.Delay(250);
            progress = await learner.GetStatus();
        } while (progress.State == ExperimentState.Running && clock.Elapsed < TimeSpan.FromSeconds(60));
        output.WriteLine($"{progress.State} after {clock.Elapsed.TotalSeconds:F1} s {progress.Error}");
        Assert.Equal(ExperimentState.Finished, progress.State);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"the worker ran on for {clock.Elapsed}");
    }
}
