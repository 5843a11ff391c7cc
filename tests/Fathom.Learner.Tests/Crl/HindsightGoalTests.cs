using Fathom.Learner.Crl;

namespace Fathom.Learner.Tests.Crl;

public class HindsightGoalTests
{
    [Theory]
    [InlineData(0.99, 100)]
    [InlineData(0.9, 40)]
    [InlineData(0.5, 7)]
    [InlineData(1.0, 12)]
    public void OffsetsFollowTheTruncatedGeometricLaw(double gamma, int maxOffset)
    {
        const int draws = 200_000;
        var random = new Random(3);
        var observed = new double[maxOffset];
        for (int i = 0; i < draws; i++)
        {
            int k = HindsightGoal.SampleOffset(random, gamma, maxOffset);
            Assert.InRange(k, 1, maxOffset);
            observed[k - 1]++;
        }
        // Expected counts from gamma^k / sum_j gamma^j, computed here independently of Probability.
        double norm = Enumerable.Range(1, maxOffset).Sum(j => Math.Pow(gamma, j));
        var expected = Enumerable.Range(1, maxOffset).Select(k => draws * Math.Pow(gamma, k) / norm).ToArray();
        // Pool the tail bins whose expected count is below 20 so that the chi-square approximation holds.
        int bins = Math.Max(1, Array.FindLastIndex(expected, e => e >= 20) + 1);
        double chi2 = 0;
        for (int b = 0; b < bins; b++)
        {
            double o = b < bins - 1 ? observed[b] : observed[b..].Sum(), e = b < bins - 1 ? expected[b] : expected[b..].Sum();
            chi2 += (o - e) * (o - e) / e;
        }
        Assert.True(chi2 < ChiSquare.Critical(Math.Max(1, bins - 1)), $"chi-square {chi2:F1} over {bins - 1} dof");
    }

    [Theory]
    [InlineData(0.99, 1000)]
    [InlineData(0.9, 5)]
    [InlineData(1.0, 9)]
    public void ProbabilitiesSumToOneAndVanishOutsideTheHorizon(double gamma, int maxOffset)
    {
        double sum = Enumerable.Range(1, maxOffset).Sum(k => HindsightGoal.Probability(gamma, maxOffset, k));
        Assert.Equal(1.0, sum, 1e-9);
        Assert.Equal(0.0, HindsightGoal.Probability(gamma, maxOffset, 0));
        Assert.Equal(0.0, HindsightGoal.Probability(gamma, maxOffset, maxOffset + 1));
        Assert.Equal(gamma, HindsightGoal.Probability(gamma, maxOffset, 2) / HindsightGoal.Probability(gamma, maxOffset, 1), 1e-12);
    }

    [Fact]
    public void TheLastStepHasOnlyTheNextStateAsGoal()
    {
        var random = new Random(1);
        for (int i = 0; i < 100; i++) Assert.Equal(1, HindsightGoal.SampleOffset(random, 0.99, 1));
    }

    [Fact]
    public void BadArgumentsAreRefused()
    {
        Assert.Equal("maxOffset", Assert.Throws<ArgumentOutOfRangeException>(() => HindsightGoal.SampleOffset(new Random(1), 0.99, 0)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => HindsightGoal.SampleOffset(new Random(1), 0.0, 5)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => HindsightGoal.CheckGamma(1.01)).ParamName);
        Assert.Equal("gamma", Assert.Throws<ArgumentOutOfRangeException>(() => HindsightGoal.CheckGamma(double.NaN)).ParamName);
    }
}
