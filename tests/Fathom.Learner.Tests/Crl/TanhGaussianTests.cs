using Fathom.Learner.Crl;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Crl;

public class TanhGaussianTests
{
    [Fact]
    public void LogStdIsSquashedIntoMinusFiveToTwo()
    {
        using var scope = NewDisposeScope();
        var logStd = TanhGaussian.LogStd(tensor(new float[] { -100, 0, 100 })).data<float>().ToArray();
        Assert.Equal(-5f, logStd[0], 5);
        Assert.Equal(-1.5f, logStd[1], 5);
        Assert.Equal(2f, logStd[2], 5);
    }

    [Fact]
    public void LogProbabilityMatchesTheChangeOfVariablesClosedForm()
    {
        using var scope = NewDisposeScope();
        double[] mu = [0.3, -1.2, 0.0], logStd = [-0.5, 0.2, -2.0], eps = [0.7, -0.4, 1.9];
        var (action, logProb) = TanhGaussian.Sample(
            tensor(mu.Select(v => (float)v).ToArray()).view(1, 3),
            tensor(logStd.Select(v => (float)v).ToArray()).view(1, 3),
            tensor(eps.Select(v => (float)v).ToArray()).view(1, 3));

        // Density of a = tanh(x), x ~ N(mu, sigma): N(atanh a; mu, sigma) / (1 - a^2), per dimension.
        double expected = 0;
        var a = action.data<float>().ToArray();
        for (int d = 0; d < 3; d++)
        {
            double x = mu[d] + Math.Exp(logStd[d]) * eps[d];
            Assert.Equal(Math.Tanh(x), a[d], 5);
            double sigma = Math.Exp(logStd[d]);
            double z = (Math.Atanh(Math.Tanh(x)) - mu[d]) / sigma;
            expected += -0.5 * z * z - Math.Log(sigma) - 0.5 * Math.Log(2 * Math.PI) - Math.Log(1 - Math.Tanh(x) * Math.Tanh(x) + 1e-6);
        }
        Assert.Equal(expected, logProb.item<float>(), 4);
    }
}
