using Fathom.Client.Progress;
using Fathom.Client.Results;
using Fathom.Client.Running;
using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;

namespace Fathom.Client.Tests;

public class ProgressTests
{
    static RunProgress Frame(double seconds, long envSteps, bool finished = false) => new(
        "r", TimeSpan.FromSeconds(seconds), envSteps, 10_000, 500, 0.25, 2,
        [new LearnerFrame("deep", "behaviour", 32, 40, 2.5, new EvalPoint("r", "deep", "behaviour", 32, 4000, 40, 12.5, 1.5, 0.75, 0.4), "cuda:0"),
         new LearnerFrame("shallow", "passive", 4, 90, 6, null)], finished);

    [Theory]
    [InlineData(238, "3:58")]
    [InlineData(3838, "1:03:58")] // an hour-long run once printed "3:58"
    [InlineData(26 * 3600 + 5, "26:00:05")]
    public void Clock_KeepsHoursAndDays(int seconds, string expected) => Assert.Equal(expected, ProgressView.Clock(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void RateMeter_MeasuresOverWindow()
    {
        var meter = new RateMeter(TimeSpan.FromSeconds(10));
        Assert.Equal(0, meter.Observe("a", TimeSpan.FromSeconds(0), 0));
        Assert.Equal(100, meter.Observe("a", TimeSpan.FromSeconds(1), 100), 9);
        Assert.Equal(150, meter.Observe("a", TimeSpan.FromSeconds(2), 300), 9);
        // Readings older than the window are dropped: the rate follows the recent slope.
        meter.Observe("a", TimeSpan.FromSeconds(20), 300);
        Assert.Equal(0, meter.Observe("a", TimeSpan.FromSeconds(30), 300), 9);
    }

    [Fact]
    public void TimeLeft_FollowsRate()
    {
        Assert.Equal(TimeSpan.FromSeconds(12), Frame(1, 4000).TimeLeft);
        Assert.Equal(TimeSpan.Zero, Frame(1, 10_000).TimeLeft);
        Assert.Null((Frame(1, 10) with { EnvStepsPerSecond = 0 }).TimeLeft);
    }

    [Fact]
    public void PlainLine_CarriesEveryFigure()
    {
        var line = ProgressView.PlainLine(Frame(75, 4000));
        Assert.Contains("[1:15]", line);
        Assert.Contains("env 4,000/10,000 (500/s)", line);
        Assert.Contains("replay 25%", line);
        Assert.Contains("left 0:12", line);
        Assert.Contains("deep[behaviour,d32,cuda:0] 40 upd (2.5/s) tag 12.5±1.5", line);
        Assert.Contains("shallow[passive,d4] 90 upd (6.0/s) tag -", line); // not started yet: no device to show
    }

    [Fact]
    public async Task Plain_WritesAtMostOneLinePerIntervalPlusTheLast()
    {
        var output = new StringWriter();
        await ProgressView.PlainAsync(Frames(), output, CancellationToken.None);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["[0:00]", "[0:05]", "[0:10]", "[0:11]"], lines.Select(l => l[..6]));

        static async IAsyncEnumerable<RunProgress> Frames()
        {
            for (var s = 0; s <= 10; s++) { await Task.Yield(); yield return Frame(s, s * 100); }
            yield return Frame(11, 10_000, finished: true);
        }
    }

    [Fact]
    public void StatusFrames_CarryEachLearnersDeviceToTheLine()
    {
        var spec = SpecLoader.ParseYaml(TinySpec.Yaml(3000));
        var learners = new[]
        {
            new LearnerProgress("deep", LearnerRole.Behaviour, ExperimentState.Running, 5, 1, 1, 0, [], "S1", null, "cuda:1"),
            new LearnerProgress("shallow", LearnerRole.Passive, ExperimentState.Running, 7, 1, 0, 0, [], "S1", null, "cpu"),
        };
        var status = new ExperimentStatus("r", ExperimentState.Running, null, 100, 3000, 2, learners, [], new ReplayProgress(100, 5, 100_000), 1, 0, 5, 100);
        var frame = StatusFrames.From(status, spec, "r", 0, TimeSpan.FromSeconds(2), null);
        Assert.Equal(["cuda:1", "cpu"], frame.Learners.Select(l => l.Device));
        var line = ProgressView.PlainLine(frame);
        Assert.Contains("deep[behaviour,d8,cuda:1] 5 upd", line);
        Assert.Contains("shallow[passive,d4,cpu] 7 upd", line);
    }

    [Fact]
    public void MetricsRows_OnePerLearner()
    {
        var rows = Frame(3, 1500).ToMetrics().ToList();
        Assert.Equal(["deep", "shallow"], rows.Select(r => r.Learner));
        Assert.All(rows, r => Assert.Equal(1500, r.EnvSteps));
        Assert.Equal(6, rows[1].UpdatesPerSecond);
    }

    [Fact]
    public void MetricsRows_SkipLearnersTheExperimentHasNotHeardFrom()
    {
        // Just after the experiment moved to another silo it knows only its record: a learner it has not polled yet
        // reads NotStarted with no updates, which must not enter metrics.csv as a count that went back to zero.
        var spec = SpecLoader.ParseYaml(TinySpec.Yaml(3000));
        LearnerProgress[] learners =
        [
            new("deep", LearnerRole.Behaviour, ExperimentState.NotStarted, 0, 0, 0, 0, [], "", null),
            new("shallow", LearnerRole.Passive, ExperimentState.Running, 700, 3, 0, 0, [], "S1", null, "cpu"),
        ];
        var status = new ExperimentStatus("r", ExperimentState.Running, null, 100, 3000, 2, learners, [], new ReplayProgress(100, 5, 100_000), 1, 0, 5, 100);
        var rows = StatusFrames.From(status, spec, "r", 0, TimeSpan.FromSeconds(2), (_, _) => 1).ToMetrics().ToList();
        Assert.Equal(["shallow"], rows.Select(r => r.Learner));
        Assert.Equal(700, rows[0].Updates);
    }
}
