using Fathom.Client.Progress;
using Fathom.Client.Results;
using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;

namespace Fathom.Client.Running;

/// <summary>Turns the experiment grain's status into a progress frame (the one place that maps status to display).</summary>
public static class StatusFrames
{
    /// <summary>The key under which the run's env-step counter is measured; learners are measured under their names, which cannot hold a space.</summary>
    public const string EnvKey = "env steps";

    /// <summary>
    /// <paramref name="measure"/> gives a counter's rate as the client measured it (key, count) -> per second;
    /// null takes the rates the workers report (for a one-off <c>fathom status</c>, which has no earlier reading).
    /// </summary>
    public static RunProgress From(ExperimentStatus status, ExperimentSpec spec, string run, long envStepOffset, TimeSpan elapsed,
        Func<string, long, double>? measure)
    {
        var learners = status.Learners.Select(l =>
        {
            var latest = l.LatestEvaluation;
            var depth = spec.Learner(l.Name).Critic.Depth;
            var role = ResultRows.Role(l.Role);
            var eval = latest is null ? null : new EvalPoint(run, l.Name, role, depth, envStepOffset + latest.EnvSteps,
                latest.Updates, latest.TimeAtGoalMean, latest.TimeAtGoalStderr, latest.SuccessAny, latest.MeanFinalDistance,
                latest.FinalDistanceStderr);
            var budget = UpdateBudget.Of(spec, l.Name);
            if (l.State == ExperimentState.NotStarted) return new LearnerFrame(l.Name, role, depth, l.Updates, 0, eval, l.Device, Reported: false, UpdateBudget: budget);
            return new LearnerFrame(l.Name, role, depth, l.Updates, measure?.Invoke(l.Name, l.Updates) ?? l.UpdatesPerSecond, eval, l.Device, l.DataWaitFraction,
                UpdateBudget: budget);
        }).ToList();
        var envRate = measure?.Invoke(EnvKey, status.EnvSteps) ?? status.Collectors.Sum(c => c.EnvStepsPerSecond);
        return new RunProgress(run, elapsed, envStepOffset + status.EnvSteps, spec.BudgetEnvSteps, envRate,
            status.Replay.Fill, status.MaxPolicyLag, learners, status.IsOver, status.Collectors.Sum(c => c.OomRetries));
    }
}
