using Fathom.Grains.Contracts;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Fathom.Grains.Placement;

/// <summary>
/// Places a grain whose key names a silo (<see cref="GrainKeys.PinnedSilo"/>: a per-silo collector) on that silo, and
/// refuses with <see cref="SiloUnavailableException"/> when it is not an active compatible silo (gone, or not offering
/// the grain's role), so a pinned worker never drifts to another silo. Any other key is placed as
/// <see cref="SpreadPlacement"/> places it, so fixed-count collectors keep their even spread.
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.PinnedPlacement")]
public sealed class PinnedPlacement : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class PinnedPlacementAttribute() : PlacementAttribute(new PinnedPlacement());

public sealed class PinnedPlacementDirector : IPlacementDirector
{
    private readonly SpreadPlacementDirector _spread = new();

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var key = target.GrainIdentity.Key.ToString()!;
        if (GrainKeys.PinnedSilo(key) is not { } silo) return _spread.OnAddActivation(strategy, target, context);
        var compatible = context.GetCompatibleSilos(target);
        if (compatible.Contains(silo)) return Task.FromResult(silo);
        throw new SiloUnavailableException($"grain '{key}' is pinned to silo {silo}, which is not an active silo that may host it " +
                                           $"(compatible now: {(compatible.Length == 0 ? "none" : string.Join(", ", compatible.Select(s => s.ToString())))})");
    }
}
