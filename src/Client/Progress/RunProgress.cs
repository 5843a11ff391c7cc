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
    bool Reported = true, long UpdateBudget = 0);

/// <summary>
/// One frame of the progress display: counts read from the experiment, rates measured by the client
/// between two readings, and the time left at the current paces of the collectors and the learners.
/// </summary>
public sealed record RunProgress(
    string Run, TimeSpan Elapsed, long EnvSteps, long EnvStepBudget, double EnvStepsPerSecond,
    double ReplayFill, long PolicyLag, IReadOnlyList<LearnerFrame> Learners, bool Finished, long OomRetries = 0)
{
    /// <summary>Remaining env-step budget at the collectors' current rate; zero at the budget, null while the rate is not known.</summary>
    public TimeSpan? CollectionLeft => Remaining(EnvStepBudget - EnvSteps, EnvStepsPerSecond);

    /// <summary>Time until the run ends at this frame's own rates (<see cref="TimeLeftAt"/>).</summary>
    public TimeSpan? TimeLeft => TimeLeftAt(EnvStepsPerSecond, l => l.UpdatesPerSecond);

    /// <summary>
    /// Time until the run ends at the given paces: it ends when the collectors reach the budget and every learner has
    /// made its last update (<see cref="LearnerFrame.UpdateBudget"/>), so the slowest of them decides. Null while any
    /// of them has work left and no pace.
    /// </summary>
    public TimeSpan? TimeLeftAt(double envStepsPerSecond, Func<LearnerFrame, double> updatesPerSecond)
    {
        if (Finished) return TimeSpan.Zero;
        var left = Remaining(EnvStepBudget - EnvSteps, envStepsPerSecond);
        foreach (var learner in Learners.Where(l => l.UpdateBudget > 0))
        {
            var learnerLeft = Remaining(learner.UpdateBudget - learner.Updates, learner.Reported ? updatesPerSecond(learner) : 0);
            if (left is null || learnerLeft is null) return null;
            if (learnerLeft > left) left = learnerLeft;
        }
        return left;
    }

    static TimeSpan? Remaining(long work, double perSecond) =>
        work <= 0 ? TimeSpan.Zero : perSecond > 0 ? TimeSpan.FromSeconds(work / perSecond) : null;

    public IEnumerable<MetricsSample> ToMetrics() => Learners.Where(l => l.Reported).Select(l => new MetricsSample(
        Run, Elapsed.TotalSeconds, l.Name, l.Role, l.Depth, EnvSteps, EnvStepsPerSecond, l.Updates, l.UpdatesPerSecond, ReplayFill, PolicyLag, l.DataWaitFraction));
}
