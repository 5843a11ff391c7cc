namespace Fathom.Grains.Contracts;

/// <summary>
/// One evaluation of a learner's deterministic policy on the eval layout (crl-spec section 5),
/// stamped with the experiment's env steps, the learner's updates and seconds since the run started.
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.EvaluationPoint")]
public sealed record EvaluationPoint(
    [property: Id(0)] long EnvSteps,
    [property: Id(1)] long Updates,
    [property: Id(2)] double Seconds,
    [property: Id(3)] double TimeAtGoalMean,
    [property: Id(4)] double TimeAtGoalStderr,
    [property: Id(5)] double SuccessAny,
    [property: Id(6)] double MeanFinalDistance,
    [property: Id(7)] double FinalDistanceStderr);
