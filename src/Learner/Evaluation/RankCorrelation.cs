namespace Fathom.Learner.Evaluation;

/// <summary>Spearman rank correlation: Pearson correlation of the ranks (ties get their average rank).</summary>
public static class RankCorrelation
{
    public static double Spearman(IReadOnlyList<double> a, IReadOnlyList<double> b)
    {
        if (a.Count != b.Count) throw new ArgumentException($"both series need the same length, got {a.Count} and {b.Count}", nameof(b));
        if (a.Count < 2) throw new ArgumentException($"need at least 2 points, got {a.Count}", nameof(a));
        return Pearson(Ranks(a), Ranks(b));
    }

    private static double[] Ranks(IReadOnlyList<double> values)
    {
        var order = Enumerable.Range(0, values.Count).OrderBy(i => values[i]).ToArray();
        var ranks = new double[values.Count];
        for (var start = 0; start < order.Length;)
        {
            var end = start;
            while (end + 1 < order.Length && values[order[end + 1]] == values[order[start]]) end++;
            for (var k = start; k <= end; k++) ranks[order[k]] = (start + end) / 2.0;
            start = end + 1;
        }
        return ranks;
    }

    private static double Pearson(double[] a, double[] b)
    {
        double meanA = a.Average(), meanB = b.Average(), cov = 0, varA = 0, varB = 0;
        for (var i = 0; i < a.Length; i++)
        {
            cov += (a[i] - meanA) * (b[i] - meanB);
            varA += (a[i] - meanA) * (a[i] - meanA);
            varB += (b[i] - meanB) * (b[i] - meanB);
        }
        return varA == 0 || varB == 0 ? double.NaN : cov / Math.Sqrt(varA * varB);
    }
}
