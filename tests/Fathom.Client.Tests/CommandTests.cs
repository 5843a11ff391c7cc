using Fathom.Client.Plots;
using Fathom.Client.Results;
using Fathom.Grains.Specs;

namespace Fathom.Client.Tests;

/// <summary>The `fathom` command as a user starts it, for what needs no running experiment.</summary>
public class CommandTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Run_BadSpec_ExitsNonZeroNamingTheField()
    {
        var (folder, path) = TinySpec.Write("bad", 1000, criticDepthOfDeep: "6");
        var (code, _, stderr) = await FathomProcess.RunAsync(folder, Timeout, "run", path);
        Assert.NotEqual(0, code);
        Assert.Contains("learners[0].critic.depth", stderr);
        Assert.False(Directory.Exists(Path.Combine(folder, "results")), "a bad spec must not leave a run folder behind");
    }

    [Theory]
    [InlineData("run")]
    [InlineData("sweep")]
    public async Task Run_BadRunName_IsRefusedWithTheRule_AndCreatesNoFolder(string command)
    {
        var folder = ScratchFolder.Create("fathom-run");
        var results = Path.Combine(folder, "results");
        var (code, _, stderr) = await FathomProcess.RunAsync(folder, Timeout, command, "--run", "../escape", "--results", results, "quickstart");
        Assert.Equal(2, code);
        Assert.Contains($"--run: {RunNames.Problem("../escape")}", stderr);
        Assert.DoesNotContain("   at ", stderr); // a message, not a stack trace
        Assert.False(Directory.Exists(Path.Combine(folder, "escape")));
        Assert.Empty(Directory.Exists(results) ? Directory.EnumerateFileSystemEntries(results) : []);
    }

    [Theory]
    [InlineData("resume")]
    [InlineData("delete")]
    [InlineData("status")]
    [InlineData("results")]
    public async Task A_command_on_a_run_refuses_a_bad_run_name_with_the_rule(string command)
    {
        var folder = ScratchFolder.Create("fathom-run");
        var (code, _, stderr) = await FathomProcess.RunAsync(folder, Timeout, command, "a*b");
        Assert.Equal(2, code);
        Assert.Contains($"run: {RunNames.Problem("a*b")}", stderr);
    }

    [Fact]
    public async Task Run_UnknownPreset_ListsThePresets()
    {
        var folder = ScratchFolder.Create("fathom-run");
        var (code, _, stderr) = await FathomProcess.RunAsync(folder, Timeout, "run", "no-such-preset");
        Assert.NotEqual(0, code);
        Assert.Contains("quickstart", stderr);
    }

    [Theory]
    [InlineData("--depths", "4,6", "'6'")]
    [InlineData("--algorithms", "crl,ppo", "'ppo' is not an algorithm (allowed: crl, sac, td3)")]
    [InlineData("--variants", "full,tanh", "'tanh' is not a network variant (allowed: full, no_layer_norm, relu, no_residual)")]
    public async Task Sweep_BadListOption_ExitsNonZeroNamingTheOptionAndTheValue(string option, string value, string expected)
    {
        var folder = ScratchFolder.Create("fathom-run");
        var (code, _, stderr) = await FathomProcess.RunAsync(folder, Timeout, "sweep", option, value, "quickstart");
        Assert.NotEqual(0, code);
        Assert.Contains($"{option}: ", stderr);
        Assert.Contains(expected, stderr);
    }

    [Fact]
    public async Task Sweep_ByAlgorithmsAndVariantsAtOnce_IsRefusedNamingBoth()
    {
        var folder = ScratchFolder.Create("fathom-run");
        var (code, _, stderr) = await FathomProcess.RunAsync(folder, Timeout, "sweep", "--algorithms", "crl", "--variants", "full", "quickstart");
        Assert.NotEqual(0, code);
        Assert.Contains("--algorithms and --variants: give one of them", stderr);
        Assert.False(Directory.Exists(Path.Combine(folder, "results")), "a refused sweep left a results folder");
    }

    [Fact]
    public async Task Sweep_DepthBeyondTheSpecRule_IsRefusedByTheLoadersRule_BeforeAnythingStarts()
    {
        var folder = ScratchFolder.Create("fathom-run");
        var results = Path.Combine(folder, "results");
        var (code, _, stderr) = await FathomProcess.RunAsync(folder, Timeout, "sweep", "--depths", "4,40000", "--results", results, "quickstart");
        Assert.Equal(2, code);
        Assert.Contains("--depths: depth 40000 makes an invalid spec", stderr);
        Assert.Contains("learners[0].actor.depth: must be a positive multiple of 4 up to 4096", stderr);
        Assert.Contains("learners[0].critic.depth:", stderr);
        Assert.DoesNotContain("depth 4 makes", stderr);
        Assert.DoesNotContain("   at ", stderr);
        Assert.False(Directory.Exists(results), "a refused sweep must not leave a results folder behind");
    }

    [Fact]
    public async Task Report_RegeneratesEveryPngFromCsvsAlone()
    {
        var folder = new RunFolder(ScratchFolder.Create("fathom-report"));
        EvalCsv.Write(folder.Eval, SampleResults.Evals(folder.Name));
        TopologyCsv.Write(folder.Topology, SampleResults.UMaze(folder.Name));

        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder.Path, Timeout, "report", folder.Path);

        Assert.True(code == 0, stderr);
        Assert.Contains(EvalCurvesPlot.TimeAtGoal.FileName, stdout);
        Assert.Equal((EvalCurvesPlot.Width, EvalCurvesPlot.Height), Png.Size(Path.Combine(folder.Path, EvalCurvesPlot.TimeAtGoal.FileName)));
        Assert.Equal((TopologyPlot.Width, TopologyPlot.Height), Png.Size(Path.Combine(folder.Path, TopologyPlot.FileName)));
    }

    [Fact]
    public async Task Report_MissingFolder_ExitsNonZero()
    {
        var (code, _, stderr) = await FathomProcess.RunAsync(Path.GetTempPath(), Timeout, "report", "/nonexistent/fathom-run");
        Assert.NotEqual(0, code);
        Assert.Contains("nonexistent", stderr);
    }
}
