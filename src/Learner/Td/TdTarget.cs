using static TorchSharp.torch;

namespace Fathom.Learner.Td;

/// <summary>The one-step TD target shared by SAC and TD3.</summary>
public static class TdTarget
{
    /// <summary>
    /// y = r + gamma (1 - done) v', where v' is the next state's value under the target networks (SAC: min of the
    /// target critics minus alpha log pi; TD3: min of the target critics at the smoothed target action) and done = r
    /// when reaching the goal is terminal, else 0 (truncation at the episode's end always bootstraps). No gradient.
    /// </summary>
    public static Tensor Compute(Tensor reward, Tensor nextValue, double gamma, bool terminalOnSuccess)
    {
        using var _ = no_grad();
        var continuing = terminalOnSuccess ? reward.neg().add(Scalars.One, Scalars.One) : ones_like(reward);
        return reward.add(continuing.mul(nextValue), Scalars.Of(gamma));
    }
}
