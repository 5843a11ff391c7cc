using Fathom.Learner.Nets;
using Fathom.Learner.Td;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Td;

/// <summary>Small TD agents for unit tests (state = position (x, y), goal = the position, actions in [-1, 1]^2) and ways to pin their networks.</summary>
internal static class TdTestAgents
{
    public static TdConfig Small(long seed = 1) =>
        new() { StateDim = 2, ActionDim = 2, GoalDim = 2, GoalStart = 0, ActorWidth = 32, CriticWidth = 32, Seed = seed };

    /// <summary>Makes a Q network output <paramref name="value"/> for every input: head weights zero, head bias the value.</summary>
    public static void PinOutput(ResidualMlp network, float value)
    {
        using var _ = no_grad();
        network.Parameters.Tensors[^2].zero_();
        network.Parameters.Tensors[^1].fill_(value);
    }

    public static Tensor Rows(params float[][] rows) => tensor(rows.SelectMany(r => r).ToArray()).reshape(rows.Length, rows[0].Length);

    /// <summary>A random batch of B transitions in the unit square, each next state a small step from its state.</summary>
    public static (Tensor States, Tensor Actions, Tensor NextStates, Tensor Goals) RandomBatch(int rows, int seed)
    {
        var random = new Random(seed);
        float[] Draw(int n, float scale) => [.. Enumerable.Range(0, n).Select(_ => (random.NextSingle() * 2 - 1) * scale)];
        var states = tensor(Draw(rows * 2, 2f)).reshape(rows, 2);
        var actions = tensor(Draw(rows * 2, 1f)).reshape(rows, 2);
        var next = states.add(actions.mul(0.5f));
        var goals = tensor(Draw(rows * 2, 2f)).reshape(rows, 2);
        return (states, actions, next, goals);
    }
}
