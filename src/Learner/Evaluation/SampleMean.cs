namespace Fathom.Learner.Evaluation;

/// <summary>The mean of a sample and its standard error, the one definition behind every "± s.e." Fathom reports.</summary>
public static class SampleMean
{
    /// <summary>Mean and standard error of the mean (sample standard deviation / √n); 0 for one value, NaN for none.</summary>
    public static (double Mean, double StdErr) WithStdErr(IReadOnlyList<double> values)
    {
        if (values.Count == 0) return (double.NaN, double.NaN);
        var mean = values.Average();
        if (values.Count == 1) return (mean, 0);
        var variance = values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1);
        return (mean, Math.Sqrt(variance / values.Count));
    }
}
