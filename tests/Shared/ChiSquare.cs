namespace Fathom.Tests;

/// <summary>The chi-square test's critical value, shared by the statistical tests of sampling.</summary>
public static class ChiSquare
{
    /// <summary>Critical value at p = 0.001 (Wilson–Hilferty approximation).</summary>
    public static double Critical(int degreesOfFreedom)
    {
        double k = degreesOfFreedom, z = 3.090;
        return k * Math.Pow(1 - 2 / (9 * k) + z * Math.Sqrt(2 / (9 * k)), 3);
    }
}
