namespace Fathom.Grains.Contracts;

/// <summary>
/// How full the run's replay store is, and its ledger: <see cref="InsertedTransitions"/> ever appended equals
/// <see cref="Transitions"/> held plus <see cref="EvictedTransitions"/> evicted (counted by the stores themselves).
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.ReplayProgress")]
public sealed record ReplayProgress(
    [property: Id(0)] long Transitions,
    [property: Id(1)] long Episodes,
    [property: Id(2)] long CapacityTransitions,
    [property: Id(3)] long InsertedTransitions = 0,
    [property: Id(4)] long EvictedTransitions = 0)
{
    public double Fill => CapacityTransitions == 0 ? 0 : (double)Transitions / CapacityTransitions;
}
