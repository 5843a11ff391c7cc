using Fathom.Grains.Specs;
using Fathom.Grains.Workers;

namespace Fathom.Client.Progress;

/// <summary>
/// The updates a learner has made when its run ends: collection stops at the env-step budget and the learner drains
/// what its samples-per-insert limiter still allows with the whole budget inserted. The time left counts down to it.
/// </summary>
public static class UpdateBudget
{
    /// <summary>
    /// n batches are allowed while n * batch &lt;= inserted * samples_per_insert - MinDiff (<see cref="Fathom.Replay.RateLimiterSettings.AllowsSample"/>);
    /// 0 when the budget never reaches the point where the learner may sample.
    /// </summary>
    public static long Of(ExperimentSpec spec, string learner)
    {
        var batch = spec.Learner(learner).Batch;
        var limits = RateLimits.Of(spec, spec.Learner(learner));
        if (spec.BudgetEnvSteps < limits.MinSizeToSample) return 0;
        var allowed = spec.BudgetEnvSteps * limits.SamplesPerInsert - limits.MinDiff;
        return allowed < batch ? 0 : (long)Math.Floor(allowed / batch);
    }
}
