using static TorchSharp.torch;

namespace Fathom.Learner.Td;

/// <summary>The environments' sparse goal reward, computed from a transition's next state as the env's success test does.</summary>
public static class SparseReward
{
    /// <summary>r = 1 where ||next[goalStart .. goalStart + G) - g||_2 &lt; radius, else 0; float32 [B].</summary>
    public static Tensor Compute(Tensor nextStates, Tensor goals, int goalStart, double radius)
    {
        var reached = nextStates.narrow(1, goalStart, goals.shape[1]).sub(goals).Squared().sum(1).lt(Scalars.Of(radius * radius));
        return reached.to(ScalarType.Float32);
    }
}
