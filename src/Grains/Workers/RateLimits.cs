using Fathom.Grains.Specs;
using Fathom.Replay;

namespace Fathom.Grains.Workers;

/// <summary>
/// The one place a spec becomes samples-per-insert settings, so that a learner and the collectors that wait on it
/// apply the same rule: per learner samples_per_insert, rate_limiter_error_buffer and the run's replay.min_transitions.
/// </summary>
public static class RateLimits
{
    public static RateLimiterSettings Of(ExperimentSpec spec, LearnerSpec learner) =>
        new(learner.SamplesPerInsert, spec.Replay.MinTransitions, learner.RateLimiterErrorBuffer(spec.Environment.EpisodeLength));

    /// <summary>Every learner of the run, as a collector's <see cref="InsertRateLimiter"/> weighs them.</summary>
    public static IReadOnlyList<InsertRateLimiter.Learner> Learners(ExperimentSpec spec) =>
        spec.Learners.Select(l => new InsertRateLimiter.Learner(l.Name, Of(spec, l), l.Batch)).ToArray();
}
