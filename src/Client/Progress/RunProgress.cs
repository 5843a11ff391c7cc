using Fathom.Client.Results;

namespace Fathom.Client.Progress;

/// <summary>
/// What the client knows about one learner at one moment: counts from the cluster, rates from the client, and the
/// device its worker runs on (empty until it has started).
/// </summary>
/// <param name="DataWaitFraction">Share of the learner's stepping time, pacing left out, spent waiting for a minibatch.</param>
/// <param name="Reported">False while the experiment has not heard from the learner (before it starts, or just after the
/// experiment moved to another silo): its counts are not known then, and metrics.csv skips it.</param>
public sealed record LearnerFrame(string Name, string Role, int Depth, long Updates, double UpdatesPerSecond, EvalPoint? LatestEval, string Device = "", double DataWaitFraction = 0,
    bool Reported = true);

/// <summary>
/// One frame of the progress display: counts read from the experiment, rates measured by the client
/// between two readings, and the time left at the current env-step rate.
/// </summary>
public sealed record RunProgress(
    string Run, TimeSpan Elapsed, long EnvSteps, long EnvStepBudget, double EnvStepsPerSecond,
    double ReplayFill, long PolicyLag, IReadOnlyList<LearnerFrame> Learners, bool Finished, long OomRetries = 0)
{
    /// <summary>Remaining budget at the current rate; null until a rate has been measured.</summary>
    public TimeSpan? TimeLeft => EnvStepsPerSecond > 0 && EnvSteps < EnvStepBudget
        ? TimeSpan.FromSeconds((EnvStepBudget - EnvSteps) / EnvStepsPerSecond)
        : EnvSteps >= EnvStepBudget ? TimeSpan.Zero : null;

    public IEnumerable<MetricsSample> ToMetrics() => Learners.Where(l => l.Reported).Select(l => new MetricsSample(
        Run, Elapsed.TotalSeconds, l.Name, l.Role, l.Depth, EnvSteps, EnvStepsPerSecond, l.Updates, l.UpdatesPerSecond, ReplayFill, PolicyLag, l.DataWaitFraction));
}
