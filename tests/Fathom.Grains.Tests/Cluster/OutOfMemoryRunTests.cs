using System.Diagnostics;
using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;
using Fathom.Grains.Stores;
using Fathom.Grains.Tests.Infrastructure;
using Fathom.Grains.Workers;
using StackExchange.Redis;
using Xunit.Abstractions;

namespace Fathom.Grains.Tests.Cluster;

/// <summary>
/// A whole run whose replay redis-server reaches its maxmemory (noeviction) mid-run: collectors back off, count it
/// and the run completes; a server with no room at all makes the run fail with the named error. Never a crash or a
/// hang. State (weights, checkpoints, grain state) lives on a second redis-server, as in a real deployment.
/// </summary>
public sealed class OutOfMemoryRunTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(4);
    private readonly LocalRedisServer _replay = LocalRedisServer.Start();
    private readonly LocalRedisServer _state = LocalRedisServer.Start();
    private ConnectionMultiplexer _admin = null!;

    public async Task InitializeAsync()
    {
        _admin = await ConnectionMultiplexer.ConnectAsync(new ConfigurationOptions { EndPoints = { _replay.EndPoint }, AllowAdmin = true });
        await Server.ConfigSetAsync("maxmemory-policy", "noeviction");
    }

    public async Task DisposeAsync()
    {
        await _admin.DisposeAsync();
        _replay.Dispose();
        _state.Dispose();
    }

    private IServer Server => _admin.GetServer(_replay.EndPoint);

    private async Task<long> UsedMemory() =>
        long.Parse((await Server.InfoAsync("memory")).SelectMany(g => g).First(p => p.Key == "used_memory").Value);

    /// <summary>One behaviour learner, one collector of 16 envs, short episodes: 640 episodes of about 0.7 KB for the budget.</summary>
    private static ExperimentSpec Tiny(long budget) => SpecLoader.ParseYaml($$"""
        seed: 5
        environment: { train_layout: u_maze, eval_layout: u_maze_eval, episode_length: 20 }
        budget: { env_steps: {{budget}} }
        collectors:
          - { count: 1, envs: 16, behaviour: deep, weight_refresh_steps: 5 }
        learners:
          - name: deep
            role: behaviour
            actor: { depth: 4, width: 32 }
            critic: { depth: 4, width: 32 }
            batch: 32
            samples_per_insert: 0.25
        replay: { shards: 1, capacity: 1000000, min_transitions: 640 }
        evaluation: { period_updates: 50, episodes: 16 }
        checkpoint: { period_updates: 50 }
        """);

    [Fact]
    public async Task Collectors_back_off_when_replay_reaches_maxmemory_and_the_run_completes()
    {
        var clock = Stopwatch.StartNew();
        await using var cluster = await FathomTestCluster.StartAsync(1, new StoreSettings([_replay.EndPoint], false, _state.EndPoint, null, TimeSpan.FromSeconds(10)));
        var run = $"oom-{Guid.NewGuid():N}"[..14];
        var spec = Tiny(budget: 12_800);
        var experiment = cluster.Client.GetGrain<IExperimentGrain>(run);
        await experiment.Start(spec);

        // Once the run is going, the replay server gets room for about 150 more episodes: a fifth of what the budget writes.
        ExperimentStatus atLimit;
        while ((atLimit = await experiment.GetStatus()).EnvSteps < 1_000)
        {
            Assert.True(clock.Elapsed < RunTimeout, "the run never started collecting");
            await Task.Delay(200);
        }
        await Server.ConfigSetAsync("maxmemory", (await UsedMemory() + 100_000).ToString());

        var final = await WaitUntilOver(experiment);
        output.WriteLine($"{final.State} in {clock.Elapsed.TotalSeconds:F0} s: {final.EnvSteps} env steps, replay {final.Replay.Transitions} transitions, {final.Error}");
        foreach (var c in final.Collectors) output.WriteLine($"collector {c.Index}: {c.State}, {c.OomRetries} out-of-memory retries, {c.Error}");
        Assert.Equal(ExperimentState.Finished, final.State);
        Assert.True(final.EnvSteps >= spec.BudgetEnvSteps);
        Assert.True(final.Collectors.Sum(c => c.OomRetries) > 0, "no append was refused: the test did not reach maxmemory");
        Assert.All(final.Collectors, c => Assert.Null(c.Error));
        Assert.All(final.Learners, l => Assert.Null(l.Error));
        // The room left holds about a quarter of what is written after the limit: much of the rest must be evicted.
        var writtenAfter = final.EnvSteps - atLimit.EnvSteps;
        Assert.True(final.EnvSteps - final.Replay.Transitions >= writtenAfter / 4,
            $"replay holds {final.Replay.Transitions} of {final.EnvSteps}, {writtenAfter} of them written after the limit: too little was evicted to make room");
    }

    [Fact]
    public async Task A_replay_server_with_no_room_at_all_fails_the_run_with_the_named_error()
    {
        var giveUp = CollectorWorker.OutOfMemoryGiveUp;
        CollectorWorker.OutOfMemoryGiveUp = TimeSpan.FromSeconds(1);
        try
        {
            await using var cluster = await FathomTestCluster.StartAsync(1, new StoreSettings([_replay.EndPoint], false, _state.EndPoint, null, TimeSpan.FromSeconds(10)));
            var experiment = cluster.Client.GetGrain<IExperimentGrain>($"full-{Guid.NewGuid():N}"[..14]);
            await experiment.Start(Tiny(budget: 6_400));
            await Server.ConfigSetAsync("maxmemory", "1"); // every write is refused from now on, evictions included

            var final = await WaitUntilOver(experiment);
            output.WriteLine($"{final.State}: {final.Error}");
            Assert.Equal(ExperimentState.Failed, final.State);
            Assert.Contains("collector 0 failed", final.Error);
            Assert.Contains("out of memory", final.Error);
            Assert.Contains("maxmemory", final.Error);
        }
        finally
        {
            CollectorWorker.OutOfMemoryGiveUp = giveUp;
        }
    }

    private static async Task<ExperimentStatus> WaitUntilOver(IExperimentGrain experiment)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = await experiment.GetStatus();
            if (status.IsOver) return status;
            Assert.True(clock.Elapsed < RunTimeout, $"the run is still {status.State} after {RunTimeout}: {status.EnvSteps} env steps");
            await Task.Delay(500);
        }
    }
}
