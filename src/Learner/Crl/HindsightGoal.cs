namespace Fathom.Learner.Crl;

/// <summary>
/// Future-goal offsets of hindsight relabelling (crl-spec section 4): for a state at time t of an episode of
/// length T, the goal is state t+k with k >= 1, t+k <= T, P(k) proportional to gamma^k (truncated geometric).
/// </summary>
public static class HindsightGoal
{
    /// <summary>Draws k in [1, maxOffset] with P(k) ∝ gamma^k, by inverting the truncated geometric CDF.</summary>
    public static int SampleOffset(Random random, double gamma, int maxOffset)
    {
        if (maxOffset < 1) throw new ArgumentOutOfRangeException(nameof(maxOffset), maxOffset, "MaxOffset (T - t) must be at least 1.");
        CheckGamma(gamma);
        double u = random.NextDouble();
        if (gamma == 1.0) return 1 + (int)(u * maxOffset);
        // P(k <= m) = (1 - gamma^m) / (1 - gamma^K); solve for the smallest m with CDF >= u.
        double tail = 1.0 - Math.Pow(gamma, maxOffset);
        int k = (int)Math.Ceiling(Math.Log(1.0 - u * tail) / Math.Log(gamma));
        return Math.Clamp(k, 1, maxOffset);
    }

    /// <summary>P(k) of the truncated law, for tests and analysis.</summary>
    public static double Probability(double gamma, int maxOffset, int k)
    {
        CheckGamma(gamma);
        if (k < 1 || k > maxOffset) return 0.0;
        if (gamma == 1.0) return 1.0 / maxOffset;
        return Math.Pow(gamma, k - 1) * (1 - gamma) / (1 - Math.Pow(gamma, maxOffset));
    }

    /// <summary>Throws unless gamma is in (0, 1], the range the law is defined on.</summary>
    public static void CheckGamma(double gamma)
    {
        if (!(gamma > 0.0 && gamma <= 1.0)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "Gamma must be in (0, 1].");
    }
}
