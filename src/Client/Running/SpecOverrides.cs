using Fathom.Grains.Specs;

namespace Fathom.Client.Running;

/// <summary>How a depth sweep derives one run's spec from the user's: every network at one depth, one seed.</summary>
public static class SpecOverrides
{
    public static ExperimentSpec WithDepthAndSeed(ExperimentSpec spec, int depth, int seed) => spec with
    {
        Seed = seed,
        Learners = spec.Learners.Select(l => l with { Actor = l.Actor with { Depth = depth }, Critic = l.Critic with { Depth = depth } }).ToArray(),
    };

    /// <summary>Parses "4,8,16" into depths, each a positive multiple of 4 (the residual block has four Dense layers).</summary>
    public static int[] ParseDepths(string text)
    {
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ArgumentException("--depths: give at least one depth, e.g. 4,8,16,32,64", "--depths");
        return parts.Select(p => int.TryParse(p, out var d) && d > 0 && d % 4 == 0
            ? d
            : throw new ArgumentException($"--depths: '{p}' is not a positive multiple of 4 (allowed: 4, 8, 12, ...)", "--depths")).Distinct().Order().ToArray();
    }
}
