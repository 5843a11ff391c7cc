namespace Fathom.Grains.Placement;

/// <summary>
/// What work a silo takes (FATHOM_ROLE): collectors only, learners only, or both (<see cref="Any"/>, the default of
/// local and test clusters). Published as Orleans silo metadata under <see cref="MetadataKey"/>.
/// </summary>
public enum SiloRole
{
    Any,
    Collector,
    Learner,
}

public static class SiloRoles
{
    /// <summary>Silo metadata key that holds the role's name.</summary>
    public const string MetadataKey = "fathom.role";

    public static string Name(this SiloRole role) => role.ToString().ToLowerInvariant();

    /// <summary>Parses a role name (case-insensitive); null for anything else.</summary>
    public static SiloRole? Parse(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "any" => SiloRole.Any,
        "collector" => SiloRole.Collector,
        "learner" => SiloRole.Learner,
        _ => null,
    };

    /// <summary>Whether a silo of role <paramref name="silo"/> may host work that needs <paramref name="needed"/>.</summary>
    public static bool Offers(this SiloRole silo, SiloRole needed) => silo == SiloRole.Any || silo == needed;

    public const string Allowed = "collector, learner or any";
}
