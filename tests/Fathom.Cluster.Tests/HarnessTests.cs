using System.Diagnostics;

namespace Fathom.Cluster.Tests;

/// <summary>
/// The harness itself (deploy/netns/cluster.sh): hosts reach each other only through their own addresses, a CPU share
/// holds a busy process to its quota, a cut link stops traffic, and nothing is left behind, also by a cluster whose
/// owner died.
/// </summary>
[Collection(ClusterFixture.Collection)]
public sealed class HarnessTests
{
    [Fact]
    public async Task HostsTalkOverTheBridge_AndALinkCutStopsThem()
    {
        using var cluster = NetnsCluster.Create(3);
        using var server = cluster.Start("redis", 2, 0, null, "redis-server", "--bind", NetnsCluster.Address(2), "--port", "6390", "--protected-mode", "no", "--save", "");
        await WaitForPong(cluster, 2);
        cluster.SetLink(2, up: false);
        var (code, _) = await cluster.ExecAsync(1, TimeSpan.FromSeconds(30), "timeout", "3", "redis-cli", "-h", NetnsCluster.Address(2), "-p", "6390", "PING");
        Assert.NotEqual(0, code);
        cluster.SetLink(2, up: true);
        await WaitForPong(cluster, 2);
    }

    [Fact]
    public async Task ACpuShareHoldsABusyProcessToItsQuota()
    {
        using var cluster = NetnsCluster.Create(1);
        using var busy = cluster.Start("busy loop", 1, 0.2, null, "sh", "-c", "while :; do :; done");
        await Task.Delay(TimeSpan.FromSeconds(1));
        var start = busy.CpuSeconds()!.Value;
        var clock = Stopwatch.StartNew();
        await Task.Delay(TimeSpan.FromSeconds(3));
        var share = (busy.CpuSeconds()!.Value - start) / clock.Elapsed.TotalSeconds;
        Assert.InRange(share, 0.02, 0.3); // unlimited, it would take a whole core
    }

    [Fact]
    public void DisposeRemovesNamespacesProcessesAndCpuGroups()
    {
        var cluster = NetnsCluster.Create(2);
        var sleeper = cluster.Start("sleep", 1, 0.5, null, "sleep", "600");
        var pid = sleeper.Pid;
        Assert.Contains($"fathom-{cluster.Id}-1", Namespaces());
        cluster.Dispose();
        Assert.DoesNotContain(Namespaces(), n => n.StartsWith($"fathom-{cluster.Id}-", StringComparison.Ordinal));
        Assert.False(Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal), "the process outlived its cluster");
        Assert.False(Directory.Exists($"/sys/fs/cgroup/cpu/fathom-{cluster.Id}"), "the cluster's CPU group is still there");
    }

    [Fact]
    public void GcRemovesAClusterWhoseOwnerHasExited()
    {
        using var owner = Process.Start("sleep", "0.1")!;
        owner.WaitForExit();
        var id = $"gc{Environment.ProcessId % 10000:x}";
        Script("up", id, "2", $"{owner.Id}");
        Assert.Contains($"fathom-{id}-2", Namespaces());
        Script("gc");
        Assert.DoesNotContain(Namespaces(), n => n.StartsWith($"fathom-{id}-", StringComparison.Ordinal));
    }

    static async Task WaitForPong(NetnsCluster cluster, int host)
    {
        for (var attempt = 0; ; attempt++)
        {
            var (code, output) = await cluster.ExecAsync(1, TimeSpan.FromSeconds(30), "redis-cli", "-h", NetnsCluster.Address(host), "-p", "6390", "PING");
            if (code == 0 && output.Contains("PONG", StringComparison.Ordinal)) return;
            Assert.True(attempt < 50, $"no PONG from host {host}: {output}");
            await Task.Delay(100);
        }
    }

    static string[] Namespaces() => Run("ip", "netns", "list").Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToArray();

    static void Script(params string[] args) => Run("bash", [NetnsCluster.Script, .. args]);

    static string Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}: {output}");
        return output;
    }
}
