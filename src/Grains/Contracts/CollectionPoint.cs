namespace Fathom.Grains.Contracts;

/// <summary>
/// What the collectors' own (stochastic, train-layout) episodes achieved at some point of the run:
/// the "collector curve" of the collector-vs-learner experiment.
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.CollectionPoint")]
public sealed record CollectionPoint(
    [property: Id(0)] long EnvSteps,
    [property: Id(1)] double Seconds,
    [property: Id(2)] double TimeAtGoalMean,
    [property: Id(3)] double SuccessAny,
    [property: Id(4)] long PolicyVersion);
