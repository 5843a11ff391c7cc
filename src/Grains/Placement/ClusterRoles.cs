using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;
using Orleans.Runtime.MembershipService.SiloMetadata;

namespace Fathom.Grains.Placement;

/// <summary>The roles the cluster's active silos offer, as this silo sees them (membership plus silo metadata).</summary>
public sealed class ClusterRoles(IClusterMembershipService membership, ISiloMetadataCache metadata)
{
    private static readonly TimeSpan MetadataWait = TimeSpan.FromSeconds(10);

    /// <summary>Active silos and their roles; a silo whose metadata has not arrived yet has a null role.</summary>
    public IReadOnlyList<(SiloAddress Silo, SiloRole? Role)> Active() =>
        membership.CurrentSnapshot.Members.Values
            .Where(m => m.Status == SiloStatus.Active)
            .Select(m => (m.SiloAddress, RolePlacementFilterDirector.RoleOf(metadata, m.SiloAddress)))
            .ToArray();

    /// <summary>
    /// Refuses a run whose workers need a role that no active silo offers (learners need learner or any silos,
    /// collectors collector or any, also those of per-silo groups), naming the role. Waits a few seconds for the metadata of silos that just joined.
    /// </summary>
    public async Task ThrowIfMissing(ExperimentSpec spec)
    {
        var needed = new List<(SiloRole Role, string Workers)>();
        if (spec.Learners.Length > 0) needed.Add((SiloRole.Learner, $"{spec.Learners.Length} learner(s)"));
        // A per-silo group needs a collector silo now as well: with none up the run would start with nothing collecting.
        if (spec.Collectors.Length > 0) needed.Add((SiloRole.Collector, CollectorsText(spec)));
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (true)
        {
            var silos = Active();
            var missing = needed.Where(n => !silos.Any(s => s.Role is { } role && role.Offers(n.Role))).ToArray();
            if (missing.Length == 0) return;
            if (silos.All(s => s.Role is not null) || waited.Elapsed >= MetadataWait)
            {
                var up = silos.Count == 0 ? "none"
                    : string.Join(", ", silos.GroupBy(s => s.Role?.Name() ?? "unknown").Select(g => $"{g.Count()} {g.Key}"));
                var (role, workers) = missing[0];
                throw new RunRefusedException($"no silo offers the role '{role.Name()}' that the run's {workers} need (silos up by FATHOM_ROLE: {up}); " +
                                              $"start a silo with FATHOM_ROLE={role.Name()} or any");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }
    }

    /// <summary>The run's collectors in words: "2 collector(s)", "1 collector(s) per collector silo", or both joined.</summary>
    private static string CollectorsText(ExperimentSpec spec)
    {
        var perSilo = spec.SiloShare().Count();
        return string.Join(" and ", new[]
        {
            spec.FixedCollectorCount > 0 ? $"{spec.FixedCollectorCount} collector(s)" : null,
            perSilo > 0 ? $"{perSilo} collector(s) per collector silo" : null,
        }.OfType<string>());
    }
}
