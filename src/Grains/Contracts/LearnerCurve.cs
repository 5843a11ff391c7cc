using Fathom.Grains.Specs;

namespace Fathom.Grains.Contracts;

/// <summary>The evaluation curve of one learner, with what it is (role and depths) so plots can be labelled.</summary>
[GenerateSerializer, Immutable, Alias("fathom.LearnerCurve")]
public sealed record LearnerCurve(
    [property: Id(0)] string Name,
    [property: Id(1)] LearnerRole Role,
    [property: Id(2)] int ActorDepth,
    [property: Id(3)] int CriticDepth,
    [property: Id(4)] EvaluationPoint[] Points);
