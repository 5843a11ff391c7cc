using Fathom.Client.Results;

namespace Fathom.Client.Tests;

/// <summary>
/// `fathom run | status | stop | results --cluster`: a real redis-server (membership, replay and state) and a real
/// Fathom silo process in redis mode, with `fathom` joining as an Orleans client.
/// </summary>
public sealed class ClusterTests : IAsyncLifetime
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    readonly ServerProcesses _servers = new();
    string _redis = "";

    public async Task InitializeAsync()
    {
        _redis = _servers.RedisServer();
        _servers.Silo(new Dictionary<string, string>
        {
            ["FATHOM_MODE"] = "redis",
            ["FATHOM_MEMBERSHIP_REDIS"] = _redis,
            ["FATHOM_REPLAY_ENDPOINTS"] = _redis,
        });
        await Task.Delay(TimeSpan.FromSeconds(3));
        _servers.AssertAllRunning();
    }

    public Task DisposeAsync()
    {
        _servers.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task RunStatusStopResults_AgainstARunningCluster()
    {
        var (folder, path) = TinySpec.Write("cluster", 3000);
        var run = await FathomProcess.RunAsync(folder, Timeout, "run", path, "--run", "c1", "--cluster", _redis);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\nstdout:\n{run.Stdout}\nstderr:\n{run.Stderr}");
        Assert.Contains($"cluster {_redis}", run.Stdout);

        var status = await FathomProcess.RunAsync(folder, Timeout, "status", "c1", "--cluster", _redis);
        Assert.True(status.ExitCode == 0, status.Stderr);
        Assert.Contains("c1: Finished", status.Stdout);
        Assert.Contains("deep[behaviour,d8,cpu]", status.Stdout); // the silo's FATHOM_DEVICE is unset: auto, the CPU here

        var fetched = await FathomProcess.RunAsync(folder, Timeout, "results", "c1", "--cluster", _redis, "--results", "fetched");
        Assert.True(fetched.ExitCode == 0, fetched.Stderr);
        var local = EvalCsv.Read(Path.Combine(folder, "results", "c1", EvalCsv.FileName)).Where(p => p.Role != "random");
        var remote = EvalCsv.Read(Path.Combine(folder, "fetched", "c1", EvalCsv.FileName)).Where(p => p.Role != "random");
        Assert.Equal(local, remote);
        Assert.True(File.Exists(Path.Combine(folder, "fetched", "c1", "time-at-goal.png")));

        var stop = await FathomProcess.RunAsync(folder, Timeout, "stop", "c1", "--cluster", _redis);
        Assert.True(stop.ExitCode == 0, stop.Stderr);
        Assert.Contains("c1: Finished", stop.Stdout);

        var unknown = await FathomProcess.RunAsync(folder, Timeout, "status", "no-such-run", "--cluster", _redis);
        Assert.NotEqual(0, unknown.ExitCode);
        Assert.Contains("no-such-run", unknown.Stderr);
    }

}
