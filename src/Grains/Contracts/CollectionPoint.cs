namespace Fathom.Grains.Contracts;

/// <summary>
/// What one batch of a collector's own (stochastic, train-layout) episodes achieved: the "collector curve" of the
/// collector-vs-learner experiment. <see cref="EnvSteps"/> is the run's total (the store's inserted transitions) when
/// the batch was written, so points of all collectors line up on one axis.
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.CollectionPoint")]
public sealed record CollectionPoint(
    [property: Id(0)] long EnvSteps,
    [property: Id(1)] double Seconds,
    [property: Id(2)] double TimeAtGoalMean,
    [property: Id(3)] double SuccessAny,
    [property: Id(4)] long PolicyVersion,
    [property: Id(5)] int Collector);
