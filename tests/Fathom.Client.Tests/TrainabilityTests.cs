using Fathom.Client.Commands;
using Fathom.Client.Plots;
using Fathom.Client.Results;
using Fathom.Learner.Evaluation;

namespace Fathom.Client.Tests;

/// <summary>`fathom trainability` as a user runs it, at a size that takes seconds, and its verdict.</summary>
public class TrainabilityTests
{
    static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);
    static readonly string[] Small = ["--critic-depth", "8", "--actor-depth", "4", "--width", "16", "--batch", "16", "--updates", "20"];

    [Fact]
    public async Task Trainability_WritesOneRowPerUpdateOfEachSetting_AndThePlot_WhichReportRedraws()
    {
        var folder = ScratchFolder.Create("fathom-trainability");
        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, Timeout, ["trainability", .. Small, "--run", "t"]);

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var run = new RunFolder(Path.Combine(folder, "results", "t"));
        var rows = TrainabilityCsv.Read(run.Trainability);
        Assert.Equal([.. Enumerable.Range(1, 20), .. Enumerable.Range(1, 20)], rows.Select(r => r.Update));
        Assert.Equal(20, rows.Count(r => r.Residual));
        Assert.Equal(20, rows.Count(r => !r.Residual));
        Assert.Matches(@"residual on: (trained|did not train): 20 updates, 0 not finite", stdout);
        Assert.Matches(@"residual off: (trained|did not train): 20 updates, 0 not finite", stdout);
        var png = Path.Combine(run.Path, TrainabilityPlot.FileName);
        Assert.Equal((TrainabilityPlot.Width, TrainabilityPlot.Height), Png.Size(png));

        File.Delete(png);
        Assert.Contains(png, Report.Draw(run));
        Assert.True(File.Exists(png));

        // A second run under the same name would overwrite what was measured: refused.
        var again = await FathomProcess.RunAsync(folder, Timeout, ["trainability", .. Small, "--run", "t"]);
        Assert.Equal(CommonOptions.BadInput, again.ExitCode);
        Assert.Contains("give another --run", again.Stderr);
        Assert.Equal(40, TrainabilityCsv.Read(run.Trainability).Count);
    }

    [Theory]
    [InlineData("--critic-depth", "6", "critic-depth must be a positive multiple of 4")]
    [InlineData("--width", "0", "width must be at least 1")]
    [InlineData("--batch", "1", "batch must be at least 2")]
    [InlineData("--residual", "maybe", "--residual must be both, on or off; got 'maybe'")]
    public async Task Trainability_RefusesBadInput_NamingTheOption_AndWritesNothing(string option, string value, string message)
    {
        var folder = ScratchFolder.Create("fathom-trainability");
        var args = Small.ToList();
        int at = args.IndexOf(option);
        if (at >= 0) args.RemoveRange(at, 2);
        var (code, _, stderr) = await FathomProcess.RunAsync(folder, Timeout, ["trainability", .. args, option, value]);

        Assert.Equal(CommonOptions.BadInput, code);
        Assert.Contains(message, stderr);
        Assert.Contains(option.TrimStart('-'), stderr);
        Assert.DoesNotContain("(Parameter", stderr); // .NET's own suffix is not for users
        NoStackTrace.Assert(stderr);
        Assert.Empty(Directory.EnumerateFileSystemEntries(folder));
    }

    [Fact]
    public void Verdict_NeedsFiniteUpdates_AndAccuracyThatRisesAboveChance()
    {
        static List<TrainabilityRow> Rows(Func<int, double> accuracy, int skippedAt = 0) =>
            [.. Enumerable.Range(1, 100).Select(u => new TrainabilityRow(true, u, 1, accuracy(u), 1, 1, double.NaN, u == skippedAt, u))];

        Assert.Contains(": trained:", TrainabilityCommand.Verdict(Rows(u => u / 200.0), batch: 64));
        Assert.Contains("did not train", TrainabilityCommand.Verdict(Rows(_ => 1.0 / 64), batch: 64));      // at chance
        Assert.Contains("did not train", TrainabilityCommand.Verdict(Rows(u => 0.5 - u / 400.0), batch: 64)); // falling
        Assert.Contains("did not train", TrainabilityCommand.Verdict(Rows(u => u / 200.0, skippedAt: 50), batch: 64));
    }
}
