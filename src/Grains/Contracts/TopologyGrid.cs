namespace Fathom.Grains.Contracts;

/// <summary>
/// The topology probe of one learner's critic for one goal on the eval layout (crl-spec finding 5): Q(s, pi(s, g), g)
/// on a Rows x Cols grid of positions <see cref="Spacing"/> apart (row-major, row 0 at the top; NaN inside walls),
/// the true geodesic and the Euclidean distance on the same grid, and Spearman's rank correlation of -Q with each.
/// A critic that learned the maze correlates better with the geodesic.
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.TopologyGrid")]
public sealed record TopologyGrid(
    [property: Id(0)] string Learner,
    [property: Id(1)] long Updates,
    [property: Id(2)] int Rows,
    [property: Id(3)] int Cols,
    [property: Id(4)] float Spacing,
    [property: Id(5)] float GoalX,
    [property: Id(6)] float GoalY,
    [property: Id(7)] float[] Q,
    [property: Id(8)] float[] Geodesic,
    [property: Id(9)] float[] Euclidean,
    [property: Id(10)] double SpearmanGeodesic,
    [property: Id(11)] double SpearmanEuclidean);
