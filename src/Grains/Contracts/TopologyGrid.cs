namespace Fathom.Grains.Contracts;

/// <summary>
/// The topology probe of one learner's critic for one goal on the eval layout: values on a Rows x Cols grid of
/// positions (row-major, first row at the top; NaN inside walls), with the true geodesic and Euclidean distances
/// on the same grid and the rank correlations of -Q with each (crl-spec finding 5).
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.TopologyGrid")]
public sealed record TopologyGrid(
    [property: Id(0)] string Learner,
    [property: Id(1)] long Updates,
    [property: Id(2)] double GoalX,
    [property: Id(3)] double GoalY,
    [property: Id(4)] int Rows,
    [property: Id(5)] int Cols,
    [property: Id(6)] double[] Q,
    [property: Id(7)] double[] Geodesic,
    [property: Id(8)] double[] Euclidean,
    [property: Id(9)] double RankCorrelationGeodesic,
    [property: Id(10)] double RankCorrelationEuclidean);
