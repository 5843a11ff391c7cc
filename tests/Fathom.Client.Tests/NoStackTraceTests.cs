using System.Net;
using System.Net.Sockets;
using Fathom.Client.Results;

namespace Fathom.Client.Tests;

/// <summary>
/// What a user can cause offline ends in one line saying what happened and what to do, with the README's exit code:
/// 2 for input the command refuses, 3 for a cluster it cannot reach; never a stack trace.
/// </summary>
public class NoStackTraceTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    /// <summary>A loopback port nothing listens on, with client timeouts short enough for a test.</summary>
    static string ClosedCluster()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"127.0.0.1:{port},connectTimeout=500,asyncTimeout=1000,syncTimeout=1000";
    }

    [Fact]
    public async Task Report_MissingFolder_SaysSo_ExitTwo()
    {
        var (code, stdout, stderr) = await FathomProcess.RunAsync(Path.GetTempPath(), Timeout, "report", "/nonexistent/fathom-run");
        Assert.Equal(2, code);
        Assert.Contains("report: results folder '/nonexistent/fathom-run' does not exist", stderr);
        NoStackTrace.Assert(stdout + stderr);
    }

    [Fact]
    public async Task Report_FolderWithoutCsvs_SaysWhatItExpects_ExitTwo()
    {
        var folder = ScratchFolder.Create("fathom-report");
        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, Timeout, "report", folder);
        Assert.Equal(2, code);
        Assert.Contains($"nothing to draw in '{folder}'", stderr);
        NoStackTrace.Assert(stdout + stderr);
    }

    [Fact]
    public async Task Run_UnreachableCluster_SaysWhichRedis_ExitThree_AndLeavesTheNameFree()
    {
        var folder = ScratchFolder.Create("fathom-run");
        var results = Path.Combine(folder, "results");
        var cluster = ClosedCluster();
        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, Timeout, "run", "quickstart", "--cluster", cluster, "--results", results, "--run", "offline");
        Assert.True(code == 3, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains($"cannot reach the cluster through its membership Redis {cluster.Split(',')[0]}", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        NoStackTrace.Assert(stdout + stderr);
        Assert.False(Directory.Exists(Path.Combine(results, "offline")), "a run that never reached its cluster must leave its name free");
    }

    [Fact]
    public async Task Status_UnreachableCluster_ExitThree()
    {
        var (code, stdout, stderr) = await FathomProcess.RunAsync(ScratchFolder.Create("fathom-run"), Timeout, "status", "some-run", "--cluster", ClosedCluster());
        Assert.True(code == 3, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("cannot reach the cluster", stderr);
        NoStackTrace.Assert(stdout + stderr);
    }

    [Fact]
    public async Task Run_ClusterThatIsNotAConnectionString_NamesTheOption_ExitTwo()
    {
        var (code, stdout, stderr) = await FathomProcess.RunAsync(ScratchFolder.Create("fathom-run"), Timeout, "run", "quickstart", "--cluster", "colour=red");
        Assert.Equal(2, code);
        Assert.Contains("--cluster: not a Redis connection string", stderr);
        NoStackTrace.Assert(stdout + stderr);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Run_NameThatExists_IsRefused_AndKeepsWhatIsThere(bool asFolder)
    {
        var folder = ScratchFolder.Create("fathom-run");
        var results = Path.Combine(folder, "results");
        Directory.CreateDirectory(results);
        var existing = new RunFolder(Path.Combine(results, "taken"));
        if (asFolder)
        {
            Directory.CreateDirectory(existing.Path);
            await File.WriteAllTextAsync(existing.Spec, "an earlier run's spec");
        }
        else await File.WriteAllTextAsync(existing.Path, "a file where the run's folder would go");

        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, Timeout, "run", "quickstart", "--results", results, "--run", "taken");

        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("run 'taken' already exists", stderr);
        NoStackTrace.Assert(stdout + stderr);
        Assert.Equal(asFolder ? "an earlier run's spec" : "a file where the run's folder would go", await File.ReadAllTextAsync(asFolder ? existing.Spec : existing.Path));
    }

    [Theory]
    [InlineData("{ not json", "does not parse")]
    [InlineData("""{ "Segment": 1, "EnvSteps": 5000, "Updates": { "learner": 40 } }""", "the checkpoint of learner 'learner' is missing")]
    public async Task Resume_BrokenCheckpointFolder_SaysWhatIsWrong_ExitTwo(string resumeJson, string problem)
    {
        var folder = ScratchFolder.Create("fathom-run");
        var results = Path.Combine(folder, "results");
        var run = new RunFolder(Path.Combine(results, "stopped"));
        Directory.CreateDirectory(run.Checkpoint);
        await File.WriteAllTextAsync(run.Spec, TinySpec.Yaml(4000));
        await File.WriteAllTextAsync(Path.Combine(run.Checkpoint, "resume.json"), resumeJson);

        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, Timeout, "resume", "stopped", "--results", results);

        Assert.True(code == 2, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("stopped cannot be resumed: ", stderr);
        Assert.Contains(problem, stderr);
        NoStackTrace.Assert(stdout + stderr);
    }
}
