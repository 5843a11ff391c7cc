using System.Diagnostics;
using StackExchange.Redis;

namespace Fathom.Client.Tests;

/// <summary>
/// `fathom runs` and `fathom delete` against the realistic setup: three redis-server processes (membership, replay,
/// state) and a real silo process in redis mode. After a delete, SCAN finds no key of the run on any of them.
/// </summary>
public sealed class RunsCommandTests : IAsyncLifetime
{
    static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    readonly ServerProcesses _servers = new();
    string _membership = "", _replay = "", _state = "";

    public async Task InitializeAsync()
    {
        (_membership, _replay, _state) = (_servers.RedisServer(), _servers.RedisServer(), _servers.RedisServer());
        _servers.Silo(new Dictionary<string, string>
        {
            ["FATHOM_MODE"] = "redis",
            ["FATHOM_MEMBERSHIP_REDIS"] = _membership,
            ["FATHOM_REPLAY_ENDPOINTS"] = _replay,
            ["FATHOM_STATE_REDIS"] = _state,
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
    public async Task Runs_lists_a_run_and_delete_leaves_no_key_of_it_on_any_store_refusing_a_running_one_without_force()
    {
        var (folder, path) = TinySpec.Write("runs", 3000);
        var run = await FathomProcess.RunAsync(folder, Timeout, "run", path, "--run", "r1", "--cluster", _membership, "--state", _state);
        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\nstdout:\n{run.Stdout}\nstderr:\n{run.Stderr}");
        Assert.NotEmpty(await KeysOf("r1", _replay));
        Assert.NotEmpty(await KeysOf("r1", _state));

        var listed = await FathomProcess.RunAsync(folder, Timeout, "runs", "--cluster", _membership);
        Assert.True(listed.ExitCode == 0, listed.Stderr);
        var line = Assert.Single(listed.Stdout.Split('\n'), l => l.StartsWith("r1 ", StringComparison.Ordinal));
        Assert.Contains("Finished", line);
        Assert.Contains($"{_replay} ", line);
        Assert.Contains($"{_state} ", line);
        Assert.DoesNotContain(" 0 keys 0.0 MB;", line); // the replay store holds the run's episodes

        // A running run is refused without --force, and stopped then deleted with it.
        var (_, longPath) = TinySpec.Write("long", 10_000_000);
        using var running = FathomProcess.Start(folder, "run", longPath, "--run", "r2", "--cluster", _membership, "--state", _state);
        await WaitUntilRunning("r2", folder);
        var refused = await FathomProcess.RunAsync(folder, Timeout, "delete", "r2", "--cluster", _membership);
        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("'r2' is running", refused.Stderr);
        Assert.Contains("--force", refused.Stderr);
        Assert.NotEmpty(await KeysOf("r2", _replay));

        var forced = await FathomProcess.RunAsync(folder, Timeout, "delete", "r2", "--cluster", _membership, "--force");
        Assert.True(forced.ExitCode == 0, $"exit {forced.ExitCode}\nstdout:\n{forced.Stdout}\nstderr:\n{forced.Stderr}");
        Assert.Contains("stopping r2", forced.Stdout);
        Assert.Contains("deleted r2", forced.Stdout);
        await running.WaitForExitAsync(Timeout);
        foreach (var store in new[] { _membership, _replay, _state }) Assert.Empty(await KeysOf("r2", store));

        var deleted = await FathomProcess.RunAsync(folder, Timeout, "delete", "r1", "--cluster", _membership);
        Assert.True(deleted.ExitCode == 0, $"exit {deleted.ExitCode}\nstdout:\n{deleted.Stdout}\nstderr:\n{deleted.Stderr}");
        foreach (var store in new[] { _membership, _replay, _state }) Assert.Empty(await KeysOf("r1", store));
        var after = await FathomProcess.RunAsync(folder, Timeout, "runs", "--cluster", _membership);
        Assert.Contains("no runs on this cluster", after.Stdout);
    }

    /// <summary>Every key on <paramref name="endpoint"/> that belongs to run <paramref name="run"/> (SCAN of the whole keyspace), plus its registry entry.</summary>
    static async Task<List<string>> KeysOf(string run, string endpoint)
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(endpoint);
        var keys = new List<string>();
        await foreach (var key in redis.GetServer(redis.GetEndPoints()[0]).KeysAsync(pattern: "*"))
        {
            var name = (string)key!;
            if (name.Contains($"{{{run}:", StringComparison.Ordinal) || name.StartsWith($"fathom:{run}:", StringComparison.Ordinal) || name.Contains($"/{run}/", StringComparison.Ordinal))
                keys.Add(name);
        }
        if (await redis.GetDatabase().HashExistsAsync("fathom:runs", run)) keys.Add($"fathom:runs[{run}]");
        return keys;
    }

    /// <summary>Until `fathom status` shows the run running with episodes in the store.</summary>
    async Task WaitUntilRunning(string run, string folder)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            var status = await FathomProcess.RunAsync(folder, Timeout, "status", run, "--cluster", _membership);
            if (status.Stdout.Contains($"{run}: Running", StringComparison.Ordinal) && !status.Stdout.Contains("env 0/", StringComparison.Ordinal)) return;
            Assert.True(clock.Elapsed < Timeout, $"run {run} never showed env steps:\n{status.Stdout}\n{status.Stderr}");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

}

/// <summary>The depth-1,024 critic / depth-512 actor spec in the default local mode: refused at start, cleanly.</summary>
public sealed class DeepSpecRefusalTests
{
    [Fact]
    public async Task The_1024_512_spec_is_refused_at_start_naming_the_memory_it_needs()
    {
        var folder = ScratchFolder.Create("fathom-deep");
        var path = Path.Combine(folder, "deep.yaml");
        File.WriteAllText(path, TinySpec.Yaml(100_000).Replace("actor: { depth: 8, width: 32 }", "actor: { depth: 512, width: 256 }")
            .Replace("critic: { depth: 8, width: 32 }", "critic: { depth: 1024, width: 256 }"));
        var run = await FathomProcess.RunAsync(folder, TimeSpan.FromMinutes(2), "run", path, "--run", "deep");
        Assert.True(run.ExitCode == 2, $"exit {run.ExitCode}\nstdout:\n{run.Stdout}\nstderr:\n{run.Stderr}");
        Assert.Contains("fathom: run deep not started: ", run.Stderr);
        Assert.Contains("memory: this run needs", run.Stderr);
        Assert.Contains("2 checkpoints of 2,037 MB", run.Stderr);
        Assert.Contains("FATHOM_LOCAL_STORE_MEMORY=2g", run.Stderr);
        Assert.DoesNotContain("   at ", run.Stderr); // no stack trace
        Assert.False(Directory.Exists(Path.Combine(folder, "results", "deep")), "a refused run left its folder behind");
    }
}
