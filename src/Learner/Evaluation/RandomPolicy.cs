using static TorchSharp.torch;

namespace Fathom.Learner.Evaluation;

/// <summary>Uniform actions in [-1, 1] from its own seeded generator: the floor every learning curve is read against.</summary>
public static class RandomPolicy
{
    public static BatchPolicy Create(int actionDim, long seed)
    {
        var generator = new Generator((ulong)seed);
        return (states, _) => rand([states.shape[0], actionDim], generator: generator).mul_(2).sub_(1).to(states.device);
    }
}
