using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Orleans.Placement;
using Orleans.Runtime.Placement;

namespace Fathom.Grains.Placement;

/// <summary>
/// Places workers round-robin over the compatible silos (ordered by address; for learners and collectors these
/// are the silos that offer the role, see <see cref="RequiresRoleAttribute"/>). The experiment grain activates all of a
/// run's workers, so its silo makes every placement and each kind of worker spreads evenly over its silos; after a
/// silo dies, replacements spread over the silos left. Activation-count placement cannot promise this when many
/// grains start at once (its statistics lag behind).
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.SpreadPlacement")]
public sealed class SpreadPlacement : PlacementStrategy;

[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class SpreadPlacementAttribute() : PlacementAttribute(new SpreadPlacement());

public sealed class SpreadPlacementDirector : IPlacementDirector
{
    // One turn counter per grain type, so that learners and collectors each spread evenly over their own silos.
    private readonly ConcurrentDictionary<GrainType, StrongBox<int>> _next = new();

    public Task<SiloAddress> OnAddActivation(PlacementStrategy strategy, PlacementTarget target, IPlacementContext context)
    {
        var silos = context.GetCompatibleSilos(target).OrderBy(s => s.ToString(), StringComparer.Ordinal).ToArray();
        var counter = _next.GetOrAdd(target.GrainIdentity.Type, _ => new StrongBox<int>(-1));
        var turn = (uint)Interlocked.Increment(ref counter.Value);
        return Task.FromResult(silos[turn % silos.Length]);
    }
}
