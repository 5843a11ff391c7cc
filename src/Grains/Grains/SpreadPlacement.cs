using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Fathom.Grains.Grains;

/// <summary>
/// Places workers round-robin over the compatible silos (ordered by address). The experiment grain activates all
/// of a run's workers, so its silo makes every placement and the workers spread evenly, collectors and learners
/// alike; after a silo dies, replacements spread over the silos left. Activation-count placement cannot promise
/// this when many grains start at once (its statistics lag behind).
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.SpreadPlacement")]
public sealed class SpreadPlacement : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SpreadPlacementAttribute() : PlacementAttribute(new SpreadPlacement());

public sealed class SpreadPlacementDirector : IPlacementDirector
{
    private int _next = -1;

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        var turn = (uint)Interlocked.Increment(ref _next);
        return Task.FromResult(silos[turn % silos.Length]);
    }
}
