using Fathom.Learner.Crl;

namespace Fathom.Grains.Specs;

/// <summary>
/// How a spec spells each choice (lowercase snake names): one table per enum that the loader reads and the spec writer
/// writes, so the two cannot drift apart. JaxGCRL's spellings where it has one ("infonce" as one word).
/// </summary>
public static class SpecNames
{
    /// <summary>A learner's role: behaviour (its actor drives collection) or passive (only trains).</summary>
    public static SpecChoice<LearnerRole> Role { get; } = new(
        (LearnerRole.Behaviour, "behaviour"),
        (LearnerRole.Passive, "passive"));

    /// <summary>What a learner trains: crl (the paper's contrastive RL), sac or td3 (the TD baselines).</summary>
    public static SpecChoice<LearnerAlgorithm> Algorithm { get; } = new(
        (LearnerAlgorithm.Crl, "crl"),
        (LearnerAlgorithm.Sac, "sac"),
        (LearnerAlgorithm.Td3, "td3"));

    /// <summary>The critic's energy between phi(s, a) and psi(g); the paper's is negative_l2.</summary>
    public static SpecChoice<CrlEnergy> Energy { get; } = new(
        (CrlEnergy.NegativeL2, "negative_l2"),
        (CrlEnergy.NegativeSquaredL2, "negative_squared_l2"),
        (CrlEnergy.Dot, "dot"),
        (CrlEnergy.Cosine, "cosine"));

    /// <summary>The critic's contrastive objective; the paper's is forward_infonce.</summary>
    public static SpecChoice<CrlLoss> ContrastiveLoss { get; } = new(
        (CrlLoss.ForwardInfoNce, "forward_infonce"),
        (CrlLoss.BackwardInfoNce, "backward_infonce"),
        (CrlLoss.SymmetricInfoNce, "symmetric_infonce"),
        (CrlLoss.BinaryNce, "binary_nce"));
}

/// <summary>
/// The spec names of every value of <typeparamref name="T"/>, in declaration order. Construction fails if a value has
/// no name or two, so an enum member added without a spec name breaks every spec load at once instead of one run.
/// </summary>
public sealed class SpecChoice<T> where T : struct, Enum
{
    private readonly (T Value, string Name)[] _names;

    public SpecChoice(params (T Value, string Name)[] names)
    {
        var missing = Enum.GetValues<T>().Where(v => names.Count(n => n.Value.Equals(v)) != 1).ToArray();
        if (missing.Length > 0 || names.Select(n => n.Name).Distinct().Count() != names.Length)
            throw new ArgumentException($"{typeof(T).Name} needs exactly one distinct spec name per value (check {string.Join(", ", missing)})", nameof(names));
        _names = names;
    }

    /// <summary>The names, in the form an error message lists them: "a, b, c".</summary>
    public string Allowed => string.Join(", ", _names.Select(n => n.Name));

    /// <summary>The spec name of <paramref name="value"/>; throws for a number no member has.</summary>
    public string Name(T value)
    {
        foreach (var (v, name) in _names)
            if (v.Equals(value)) return name;
        throw new ArgumentOutOfRangeException(nameof(value), value, $"{typeof(T).Name} must be one of {Allowed}.");
    }

    /// <summary>Whether <paramref name="value"/> is a member (a spec built in code may hold any number).</summary>
    public bool IsDefined(T value) => _names.Any(n => n.Value.Equals(value));

    /// <summary>The value spelled <paramref name="name"/>, ignoring case as the loader always has for roles.</summary>
    public bool TryParse(string name, out T value)
    {
        foreach (var (v, n) in _names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }
        value = default;
        return false;
    }
}
