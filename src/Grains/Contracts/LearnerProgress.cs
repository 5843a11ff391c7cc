using Fathom.Grains.Specs;

namespace Fathom.Grains.Contracts;

/// <summary>
/// A learner's progress as its grain reports it; <see cref="Evaluations"/> is its whole curve so far.
/// <see cref="Device"/> is the device its worker runs on (cpu, cuda:N; empty until it has started).
/// <see cref="DataWaitFraction"/> is the share of its step loop's time, the rate limiter's deliberate waits left out,
/// spent waiting for the sampler's minibatch (0: prefetching always kept one ready).
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.LearnerProgress")]
public sealed record LearnerProgress(
    [property: Id(0)] string Name,
    [property: Id(1)] LearnerRole Role,
    [property: Id(2)] ExperimentState State,
    [property: Id(3)] long Updates,
    [property: Id(4)] double UpdatesPerSecond,
    [property: Id(5)] long PublishedVersion,
    [property: Id(6)] long ResumedFromUpdates,
    [property: Id(7)] EvaluationPoint[] Evaluations,
    [property: Id(8)] string Silo,
    [property: Id(9)] string? Error,
    [property: Id(10)] string Device = "",
    [property: Id(11)] double DataWaitFraction = 0)
{
    public EvaluationPoint? LatestEvaluation => Evaluations.Length == 0 ? null : Evaluations[^1];
}
