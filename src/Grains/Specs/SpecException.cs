namespace Fathom.Grains.Specs;

/// <summary>
/// A spec that cannot run. <see cref="Errors"/> holds every problem found, each naming the field path
/// (e.g. <c>learners[1].actor.depth</c>) and the values it allows.
/// </summary>
public sealed class SpecException(IReadOnlyList<string> errors)
    : Exception("invalid experiment spec:\n  " + string.Join("\n  ", errors))
{
    public IReadOnlyList<string> Errors { get; } = errors;
}
