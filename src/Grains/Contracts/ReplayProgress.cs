namespace Fathom.Grains.Contracts;

/// <summary>How full the run's replay store is.</summary>
[GenerateSerializer, Immutable, Alias("fathom.ReplayProgress")]
public sealed record ReplayProgress(
    [property: Id(0)] long Transitions,
    [property: Id(1)] long Episodes,
    [property: Id(2)] long CapacityTransitions)
{
    public double Fill => CapacityTransitions == 0 ? 0 : (double)Transitions / CapacityTransitions;
}
