using System.Text.Json;
using Fathom.Client.Results;
using StackExchange.Redis;

namespace Fathom.Client.Tests;

/// <summary>
/// `fathom` inside a pod: two silo processes in redis mode with roles (one collector, one learner), a membership
/// Redis and a replay Redis, a non-default cluster id, and `fathom run` / `fathom resume` given only the environment
/// variables a silo's pod has. Ctrl-C then resume continues the update counts and reuses the replay the store holds.
/// </summary>
public sealed class PodEnvironmentTests : IAsyncLifetime
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(4);
    readonly ServerProcesses _servers = new();
    readonly string _clusterId = $"pods-{Guid.NewGuid():N}"[..13];
    Dictionary<string, string> _pod = [];
    string _replay = "";

    public async Task InitializeAsync()
    {
        var membership = _servers.RedisServer();
        _replay = _servers.RedisServer();
        _pod = new Dictionary<string, string>
        {
            ["FATHOM_MODE"] = "redis",
            ["FATHOM_MEMBERSHIP_REDIS"] = membership,
            ["FATHOM_REPLAY_ENDPOINTS"] = _replay,
            ["ORLEANS_SERVICE_ID"] = "fathom-pods",
            ["ORLEANS_CLUSTER_ID"] = _clusterId,
        };
        var health = new List<int>();
        foreach (var role in new[] { "collector", "learner" })
        {
            var port = ServerProcesses.FreePort();
            health.Add(port);
            _servers.Silo(new Dictionary<string, string>(_pod) { ["FATHOM_ROLE"] = role, ["FATHOM_HEALTH_PORT"] = $"{port}" });
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(1);
        foreach (var port in health)
            while (true)
            {
                _servers.AssertAllRunning();
                try
                {
                    if ((await http.GetAsync($"http://127.0.0.1:{port}/healthz/ready")).IsSuccessStatusCode) break;
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
                Assert.True(DateTime.UtcNow < deadline, "silos not ready within a minute");
                await Task.Delay(500);
            }
    }

    [Fact]
    public async Task Run_with_only_the_pods_environment_joins_the_cluster_and_resume_reuses_the_replay()
    {
        var (folder, path) = TinySpec.Write("pod", 12_000);
        var results = Path.Combine(folder, "pod-results");
        var env = new Dictionary<string, string>(_pod) { ["FATHOM_RESULTS"] = results };
        var run = new RunFolder(Path.Combine(results, "p1"));

        using (var fathom = FathomProcess.Start(folder, env, "run", path, "--run", "p1"))
        {
            var deadline = DateTime.UtcNow + Timeout;
            while (!TinySpec.BothEvaluatedPast(run.Eval, 40))
            {
                Assert.True(DateTime.UtcNow < deadline && !fathom.HasExited, $"no training progress while running\nstdout:\n{fathom.Stdout}\nstderr:\n{fathom.Stderr}");
                await Task.Delay(200);
            }
            fathom.Terminate(); // the pod's end
            var code = await fathom.WaitForExitAsync(TimeSpan.FromSeconds(60));
            Assert.True(code == 130, $"exit {code}\nstdout:\n{fathom.Stdout}\nstderr:\n{fathom.Stderr}");
            Assert.Contains("fathom: stopping", fathom.Stderr);
            Assert.Contains($"cluster {_pod["FATHOM_MEMBERSHIP_REDIS"]} (cluster id {_clusterId}), state {_replay}", fathom.Stdout);
        }
        var resume = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Checkpoint, "resume.json"))).RootElement;
        var stoppedAt = resume.GetProperty("EnvSteps").GetInt64();
        var deepUpdates = resume.GetProperty("Updates").GetProperty("deep").GetInt64();
        Assert.True(deepUpdates >= 20, $"deep checkpointed at {deepUpdates} updates");
        Assert.True(stoppedAt is > 0 and < 12_000, $"stopped at {stoppedAt} env steps");
        await using var redis = await ConnectionMultiplexer.ConnectAsync(_replay);
        var before = await EpisodeIds(redis);
        Assert.NotEmpty(before);

        var (resumeCode, stdout, stderr) = await FathomProcess.RunAsync(folder, env, Timeout, "resume", "p1");

        Assert.True(resumeCode == 0, $"exit {resumeCode}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains($"deep at {deepUpdates:N0} updates", stdout);
        Assert.Contains($"resume keeps the replay the store still holds: {before.Count * 20:N0} transitions", stdout);
        // The resumed learners carried on counting, and the run's replay grew from what it held.
        var deep = EvalCsv.Read(run.Eval).Where(p => p.Learner == "deep").ToList();
        var afterStop = deep.Where(p => p.EnvSteps > stoppedAt).ToList();
        Assert.NotEmpty(afterStop);
        Assert.All(afterStop, p => Assert.True(p.Updates > deepUpdates, $"evaluation at {p.Updates} updates after resuming from {deepUpdates}"));
        var after = await EpisodeIds(redis);
        Assert.Empty(before.Except(after));
        Assert.True(after.Count * 20 >= 12_000, $"the store holds {after.Count} episodes of 20 steps");
        var metrics = MetricsCsv.Read(run.Metrics);
        Assert.True(metrics.Max(m => m.EnvSteps) >= 12_000, $"resumed run reached {metrics.Max(m => m.EnvSteps)} env steps");
        Assert.True(metrics.Max(m => m.EnvSteps) < 12_000 + 2 * 16 * 20, $"the resumed run counted {metrics.Max(m => m.EnvSteps)} env steps: its budget was not carried on");
    }

    /// <summary>Ids of the episodes indexed in the run's replay shard (the index list holds "LENGTH:ID").</summary>
    static async Task<HashSet<string>> EpisodeIds(ConnectionMultiplexer redis)
    {
        var entries = await redis.GetDatabase().ListRangeAsync("fathom:replay:{p1:shard-0}:index");
        return entries.Select(e => ((string)e!).Split(':', 2)[1]).ToHashSet();
    }

    public Task DisposeAsync()
    {
        _servers.Dispose();
        return Task.CompletedTask;
    }
}
