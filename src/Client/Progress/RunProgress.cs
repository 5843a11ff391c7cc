using Fathom.Client.Results;

namespace Fathom.Client.Progress;

/// <summary>
/// What the client knows about one learner at one moment: counts from the cluster, rates from the client, and the
/// device its worker runs on (empty until it has started).
/// </summary>
/// <param name="DataWaitFraction">Share of the learner's stepping time, pacing left out, spent waiting for a minibatch.</param>
/// <param name="Reported">False while the experiment has not heard from the learner (before it starts, or just after the
/// experiment moved to another silo): its counts are not known then, and metrics.csv skips it.</param>
/// <param name="UpdateBudget">Updates the learner will have made when the run ends (<see cref="Progress.UpdateBudget"/>); 0 when not known,
/// and then the learner's pace does not enter the time left.</param>
public sealed record LearnerFrame(string Name, string Role, int Depth, long Updates, double UpdatesPerSecond, EvalPoint? LatestEval, string Device = "", double DataWaitFraction = 0,
    bool Reported = true, long UpdateBudget = 0)
{
    /// <summary>Updates still to make at the current rate; zero when done, null while the rate is not known.</summary>
    public TimeSpan? TimeLeft => UpdateBudget <= 0 || Updates >= UpdateBudget ? TimeSpan.Zero
        : Reported && UpdatesPerSecond > 0 ? TimeSpan.FromSeconds((UpdateBudget - Updates) / UpdatesPerSecond) : null;
}

/// <summary>
/// One frame of the progress display: counts read from the experiment, rates measured by the client
/// between two readings, and the time left at the current paces of the collectors and the learners.
/// </summary>
public sealed record RunProgress(
    string Run, TimeSpan Elapsed, long EnvSteps, long EnvStepBudget, double EnvStepsPerSecond,
    double ReplayFill, long PolicyLag, IReadOnlyList<LearnerFrame> Learners, bool Finished, long OomRetries = 0)
{
    /// <summary>Remaining env-step budget at the collectors' current rate; zero at the budget, null while the rate is not known.</summary>
    public TimeSpan? CollectionLeft => EnvSteps >= EnvStepBudget ? TimeSpan.Zero
        : EnvStepsPerSecond > 0 ? TimeSpan.FromSeconds((EnvStepBudget - EnvSteps) / EnvStepsPerSecond) : null;

    /// <summary>
    /// Time until the run ends at this frame's paces: it ends when the collectors reach the budget and every learner has
    /// made its last update, so the slowest of them decides. Null while any of them has no measured pace yet.
    /// </summary>
    public TimeSpan? TimeLeft
    {
        get
        {
            if (Finished) return TimeSpan.Zero;
            var left = CollectionLeft;
            foreach (var learner in Learners)
            {
                if (left is null || learner.TimeLeft is not { } learnerLeft) return null;
                if (learnerLeft > left) left = learnerLeft;
            }
            return left;
        }
    }

    public IEnumerable<MetricsSample> ToMetrics() => Learners.Where(l => l.Reported).Select(l => new MetricsSample(
        Run, Elapsed.TotalSeconds, l.Name, l.Role, l.Depth, EnvSteps, EnvStepsPerSecond, l.Updates, l.UpdatesPerSecond, ReplayFill, PolicyLag, l.DataWaitFraction));
}
