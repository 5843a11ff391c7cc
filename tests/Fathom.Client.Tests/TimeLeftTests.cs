using Fathom.Client.Progress;
using Fathom.Client.Running;
using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;
using Fathom.Grains.Workers;

namespace Fathom.Client.Tests;

/// <summary>
/// The time left on the progress line, fed synthetic sequences of frames: a run ends when the collectors reach the
/// budget and the learners have made their last update, and an estimate is shown only once it has settled.
/// </summary>
public class TimeLeftTests
{
    /// <summary>
    /// A quickstart-like run, one frame a second with rates measured as the runner measures them: the collector races to
    /// the replay minimum while the learner waits, then the learner paces collection (a chunk of whole episodes ahead),
    /// and after the budget the learner drains what its limiter still allows.
    /// </summary>
    sealed class SyntheticRun
    {
        public const long Budget = 409_600, MinTransitions = 25_600, Chunk = 25_600;
        public const double FreeEnvRate = 6_000, LearnerRate = 20, EnvStepsPerUpdate = 256 / 5.12; // batch / samples per insert
        public const long UpdateBudget = 7_683;

        public static List<RunProgress> Frames(out TimeSpan end)
        {
            var envRate = new RateMeter(TimeSpan.FromMinutes(2)); // as ExperimentRunner measures them
            var updateRate = new RateMeter(TimeSpan.FromSeconds(10));
            var frames = new List<RunProgress>();
            double env = 0, updates = 0;
            for (var second = 0; ; second++)
            {
                var at = TimeSpan.FromSeconds(second);
                var envSteps = (long)(env / Chunk) * Chunk; // episodes arrive a collector's chunk at a time
                var done = envSteps >= Budget && updates >= UpdateBudget;
                var learner = new LearnerFrame("learner", "behaviour", 4, (long)updates, updateRate.Observe("learner", at, (long)updates), null,
                    UpdateBudget: UpdateBudget);
                frames.Add(new RunProgress("r", at, envSteps, Budget, envRate.Observe(StatusFrames.EnvKey, at, envSteps), 0.1, 0, [learner], done));
                if (done) { end = at; return frames; }
                if (env >= MinTransitions) updates = Math.Min(UpdateBudget, updates + LearnerRate);
                var allowed = env < MinTransitions ? double.MaxValue : MinTransitions + updates * EnvStepsPerUpdate + Chunk;
                env = Math.Min(Math.Min(env + FreeEnvRate, allowed), Budget);
            }
        }
    }

    [Fact]
    public void An_early_burst_of_collection_does_not_show_a_wildly_small_time_left()
    {
        var frames = SyntheticRun.Frames(out var end);
        // The frames do carry the trap: early on, the env-step rate alone promises a fraction of the real time left.
        var early = frames.Single(f => f.Elapsed == TimeSpan.FromSeconds(15));
        Assert.True(early.CollectionLeft < 0.5 * (end - early.Elapsed), $"collectors alone say {early.CollectionLeft} at 0:15, the run has {end - early.Elapsed} left");

        var estimate = new TimeLeftEstimate();
        var shown = frames.Select(f => (Frame: f, Left: estimate.Observe(f))).ToList();
        foreach (var (frame, left) in shown.Where(s => s.Left is not null))
        {
            var truth = end - frame.Elapsed;
            var error = (left!.Value - truth).Duration();
            Assert.True(error <= TimeSpan.FromTicks(Math.Max(truth.Ticks / 4, TimeSpan.FromSeconds(15).Ticks)),
                $"at {frame.Elapsed} the display said {left} left; the run had {truth} left");
        }
        // Settled estimates are shown soon after the learner starts (0:05 here), and from then on.
        var firstShown = shown.First(s => s.Left is not null).Frame.Elapsed;
        Assert.True(firstShown <= TimeSpan.FromSeconds(30), $"first estimate shown at {firstShown}");
        var later = shown.Where(s => s.Frame.Elapsed >= firstShown).ToList();
        Assert.True(later.Count(s => s.Left is not null) >= 0.95 * later.Count, $"shown in {later.Count(s => s.Left is not null)} of {later.Count} frames after {firstShown}");
        Assert.Equal(TimeSpan.Zero, shown[^1].Left);
    }

    [Fact]
    public void A_learner_bound_run_shows_the_learners_time_not_the_collectors()
    {
        // Collectors reach the budget at 0:40; the learner still has 4,000 updates to make at 10 per second.
        var estimate = new TimeLeftEstimate();
        var shown = new List<(int Second, TimeSpan? Left, RunProgress Frame)>();
        for (var second = 0; second <= 60; second++)
        {
            var frame = new RunProgress("r", TimeSpan.FromSeconds(second), Math.Min(400_000, 200_000 + 5_000L * second), 400_000, 5_000, 0.5, 0,
                [new LearnerFrame("deep", "behaviour", 64, 2_000 + 10L * second, 10, null, UpdateBudget: 6_000)], Finished: false);
            shown.Add((second, estimate.Observe(frame), frame));
        }
        foreach (var (second, left, frame) in shown.Where(s => s.Second >= TimeLeftEstimate.MinSpan.TotalSeconds + 2)) // paces known from the second frame
        {
            var learners = TimeSpan.FromSeconds(400 - second);
            Assert.True(left is { } l && (l - learners).Duration() <= TimeSpan.FromSeconds(2), $"at {second} s the display said {left}; the learner has {learners} left");
            Assert.True(frame.CollectionLeft < learners / 2); // the collectors' own time, which must not be shown
        }
        // At the budget the collectors are done, the run is not.
        Assert.Equal(TimeSpan.Zero, shown[^1].Frame.CollectionLeft);
        Assert.Equal(TimeSpan.FromSeconds(340), shown[^1].Frame.TimeLeft);
    }

    [Fact]
    public void A_change_of_pace_hides_the_estimate_until_it_settles_again()
    {
        // The learner speeds up from 10 to 40 updates per second at 1:00: the predicted ends disagree while its measured
        // pace moves, then settle on the new one.
        var estimate = new TimeLeftEstimate();
        var shown = new Dictionary<int, TimeSpan?>();
        long updates = 100;
        for (var second = 0; second <= 150; second++)
        {
            updates += second <= 60 ? 10 : 40;
            var frame = new RunProgress("r", TimeSpan.FromSeconds(second), Math.Min(400_000, 100_000 + 5_000L * second), 400_000, 5_000, 0.5, 0,
                [new LearnerFrame("deep", "behaviour", 64, updates, 0, null, UpdateBudget: 20_000)], Finished: false);
            shown[second] = estimate.Observe(frame);
        }
        Assert.NotNull(shown[60]);
        Assert.True(shown[60]!.Value > TimeSpan.FromSeconds(1_500), $"at the old pace about 1,900 s are left, the display said {shown[60]}");
        Assert.Contains(Enumerable.Range(61, 30), second => shown[second] is null);
        var atNewPace = TimeSpan.FromSeconds((20_000 - (100 + 610 + 40 * 90)) / 40.0);
        Assert.True(shown[150] is { } left && (left - atNewPace).Duration() < TimeSpan.FromSeconds(5), $"at 2:30 the display said {shown[150]}; at the new pace {atNewPace} are left");
    }

    [Fact]
    public void Nothing_is_shown_while_a_learner_has_no_pace_or_before_some_progress()
    {
        var estimate = new TimeLeftEstimate();
        for (var second = 0; second <= 30; second++)
        {
            // Collectors fast and steady, but the learner waits for the replay minimum: its pace is unknown.
            var waiting = new RunProgress("r", TimeSpan.FromSeconds(second), 100_000 + 1_000L * second, 400_000, 1_000, 0.2, 0,
                [new LearnerFrame("deep", "behaviour", 64, 0, 0, null, UpdateBudget: 6_000)], Finished: false);
            Assert.Null(waiting.TimeLeft);
            Assert.Null(estimate.Observe(waiting));
        }
        var early = new TimeLeftEstimate();
        for (var second = 0; second <= 30; second++)
        {
            // Every pace known and steady, yet under MinProgress of the budget collected.
            var frame = new RunProgress("r", TimeSpan.FromSeconds(second), 10L * second, 400_000, 10, 0, 0, [], Finished: false);
            Assert.NotNull(frame.TimeLeft);
            Assert.Null(early.Observe(frame));
        }
    }

    [Fact]
    public async Task The_plain_line_says_estimating_until_the_estimate_settles()
    {
        var output = new StringWriter();
        await ProgressView.PlainAsync(Frames(), output, CancellationToken.None);
        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains($"left {ProgressView.Estimating}", lines[0]);
        Assert.Contains("left 5:50", lines.Single(l => l.StartsWith("[0:50]", StringComparison.Ordinal)));

        static async IAsyncEnumerable<RunProgress> Frames()
        {
            for (var second = 0; second <= 50; second++)
            {
                await Task.Yield();
                yield return new RunProgress("r", TimeSpan.FromSeconds(second), 40_000 + 1_000L * second, 400_000, 1_000, 0.2, 0,
                    [new LearnerFrame("deep", "behaviour", 4, 100 * second, 100, null, UpdateBudget: 40_000)], Finished: false);
            }
        }
    }

    [Fact]
    public void A_learners_update_budget_is_where_its_rate_limiter_stops_it()
    {
        var spec = Presets.Load("quickstart");
        var learner = spec.Learners[0];
        var limits = RateLimits.Of(spec, learner);
        var budget = UpdateBudget.Of(spec, learner.Name);
        Assert.True(budget > 0);
        // With the whole env-step budget inserted, the limiter allows the budget's last batch and refuses the next one.
        Assert.True(limits.AllowsSample(spec.BudgetEnvSteps, spec.BudgetEnvSteps, (budget - 1) * learner.Batch, learner.Batch));
        Assert.False(limits.AllowsSample(spec.BudgetEnvSteps, spec.BudgetEnvSteps, budget * learner.Batch, learner.Batch));
        // A budget the learner never starts on leaves it nothing to do.
        Assert.Equal(0, UpdateBudget.Of(spec with { BudgetEnvSteps = spec.Replay.MinTransitions - 1 }, learner.Name));
    }

    [Fact]
    public void Status_frames_carry_each_learners_update_budget()
    {
        var spec = SpecLoader.ParseYaml(TinySpec.Yaml(3000));
        LearnerProgress[] learners =
        [
            new("deep", LearnerRole.Behaviour, ExperimentState.Running, 5, 1, 1, 0, [], "S1", null, "cpu"),
            new("shallow", LearnerRole.Passive, ExperimentState.Running, 7, 1, 0, 0, [], "S1", null, "cpu"),
        ];
        var status = new ExperimentStatus("r", ExperimentState.Running, null, 100, 3000, 2, learners, [], new ReplayProgress(100, 5, 100_000), 1, 0, 5, 100);
        var frame = StatusFrames.From(status, spec, "r", 0, TimeSpan.FromSeconds(2), (_, _) => 1);
        Assert.Equal([UpdateBudget.Of(spec, "deep"), UpdateBudget.Of(spec, "shallow")], frame.Learners.Select(l => l.UpdateBudget));
        Assert.All(frame.Learners, l => Assert.True(l.UpdateBudget > 0));
    }
}
