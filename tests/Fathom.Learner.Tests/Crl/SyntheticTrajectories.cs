using Fathom.Learner.Crl;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Crl;

/// <summary>
/// Point-mass episodes in the plane for learning tests: s_{t+1} = s_t + 0.5 a_t from a random start, random actions;
/// each minibatch row pairs (s_t, a_t) with the position at t + k, P(k) ∝ gamma^k within the episode.
/// </summary>
public sealed class SyntheticTrajectories
{
    public const int StateDim = 2;
    public const int ActionDim = 2;
    public const int GoalDim = 2;

    private readonly float[][] _states;
    private readonly float[][] _actions;
    private readonly Random _random;
    private readonly int _length;
    private readonly double _gamma;

    public SyntheticTrajectories(int episodes, int length, double gamma, int seed)
    {
        _random = new Random(seed);
        _length = length;
        _gamma = gamma;
        _states = new float[episodes][];
        _actions = new float[episodes][];
        for (int e = 0; e < episodes; e++)
        {
            _states[e] = new float[(length + 1) * StateDim];
            _actions[e] = new float[length * ActionDim];
            for (int d = 0; d < StateDim; d++) _states[e][d] = (float)(_random.NextDouble() * 40 - 20);
            for (int t = 0; t < length; t++)
            {
                for (int d = 0; d < ActionDim; d++)
                {
                    float a = (float)(_random.NextDouble() * 2 - 1);
                    _actions[e][t * ActionDim + d] = a;
                    _states[e][(t + 1) * StateDim + d] = _states[e][t * StateDim + d] + 0.5f * a;
                }
            }
        }
    }

    public (Tensor States, Tensor Actions, Tensor Goals) Batch(int size)
    {
        var s = new float[size * StateDim];
        var a = new float[size * ActionDim];
        var g = new float[size * GoalDim];
        for (int i = 0; i < size; i++)
        {
            int e = _random.Next(_states.Length);
            int t = _random.Next(_length);
            int k = HindsightGoal.SampleOffset(_random, _gamma, _length - t);
            Array.Copy(_states[e], t * StateDim, s, i * StateDim, StateDim);
            Array.Copy(_actions[e], t * ActionDim, a, i * ActionDim, ActionDim);
            Array.Copy(_states[e], (t + k) * StateDim, g, i * GoalDim, GoalDim);
        }
        return (tensor(s).view(size, StateDim), tensor(a).view(size, ActionDim), tensor(g).view(size, GoalDim));
    }
}
