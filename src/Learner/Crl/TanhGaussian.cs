using static TorchSharp.torch;

namespace Fathom.Learner.Crl;

/// <summary>The squashed Gaussian policy distribution of crl-spec section 3.</summary>
public static class TanhGaussian
{
    public const double MinLogStd = -5;
    public const double MaxLogStd = 2;

    /// <summary>Keeps the tanh-Jacobian term finite when |a| reaches 1 in float32.</summary>
    public const double JacobianEpsilon = 1e-6;

    /// <summary>Squashes a raw head output into [-5, 2]: -5 + 3.5 (tanh(raw) + 1).</summary>
    public static Tensor LogStd(Tensor raw) => raw.tanh().add(Scalars.Of(1L), Scalars.One).mul(Scalars.Of((MaxLogStd - MinLogStd) / 2)).add(Scalars.Of(MinLogStd), Scalars.One);

    /// <summary>
    /// a = tanh(mu + sigma eps) and log pi(a) = sum_d [log N(x_d; mu_d, sigma_d) - log(1 - a_d^2 + 1e-6)],
    /// reparameterised so gradients reach mu and sigma.
    /// </summary>
    public static (Tensor Action, Tensor LogProb) Sample(Tensor mean, Tensor logStd, Tensor noise)
    {
        var x = mean.add(logStd.exp() * noise, Scalars.One);
        var action = x.tanh();
        // log N(x; mu, sigma) with (x - mu) / sigma = noise.
        var gaussian = noise.Squared().mul(Scalars.Of(-0.5)).sub(logStd).sub(Scalars.Of(0.5 * Math.Log(2 * Math.PI)));
        var jacobian = action.Squared().neg().add(Scalars.Of(1 + JacobianEpsilon), Scalars.One).log();
        return (action, gaussian.sub(jacobian).sum(1));
    }
}
