using Orleans.Metadata;
using Orleans.Placement;
using Orleans.Runtime.MembershipService.SiloMetadata;
using Orleans.Runtime.Placement;

namespace Fathom.Grains.Placement;

/// <summary>
/// Places a grain only on silos whose <see cref="SiloRoles.MetadataKey"/> metadata offers <paramref name="role"/>
/// (that role or any). The built-in metadata filters compare with the calling silo's metadata; this one requires a
/// fixed value. A silo whose metadata is not known yet is left out.
/// </summary>
[AttributeUsage(AttributeTargets.Class, AllowMultiple = false)]
public sealed class RequiresRoleAttribute(SiloRole role) : PlacementFilterAttribute(new RolePlacementFilterStrategy(role));

public sealed class RolePlacementFilterStrategy(SiloRole role) : PlacementFilterStrategy(order: 0)
{
    private const string RoleProperty = "role";

    public RolePlacementFilterStrategy() : this(SiloRole.Any)
    {
    }

    public SiloRole Role { get; private set; } = role;

    public override void AdditionalInitialize(GrainProperties properties) =>
        Role = SiloRoles.Parse(GetPlacementFilterGrainProperty(RoleProperty, properties))
               ?? throw new ArgumentException($"placement filter property '{RoleProperty}' must be {SiloRoles.Allowed}");

    protected override IEnumerable<KeyValuePair<string, string>> GetAdditionalGrainProperties(IServiceProvider services, Type grainClass,
        GrainType grainType, IReadOnlyDictionary<string, string> existingProperties)
    {
        yield return new(RoleProperty, Role.Name());
    }
}

public sealed class RolePlacementFilterDirector(ISiloMetadataCache metadata) : IPlacementFilterDirector
{
    public IEnumerable<SiloAddress> Filter(PlacementFilterStrategy filterStrategy, PlacementTarget target, IEnumerable<SiloAddress> silos)
    {
        var needed = ((RolePlacementFilterStrategy)filterStrategy).Role;
        return silos.Where(silo => RoleOf(metadata, silo) is { } role && role.Offers(needed));
    }

    /// <summary>The role a silo published, or null while its metadata is not known here.</summary>
    public static SiloRole? RoleOf(ISiloMetadataCache metadata, SiloAddress silo) =>
        SiloRoles.Parse(metadata.GetSiloMetadata(silo).Metadata.GetValueOrDefault(SiloRoles.MetadataKey));
}
