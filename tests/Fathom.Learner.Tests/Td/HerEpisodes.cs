using Fathom.Learner.Envs;
using Fathom.Learner.Td;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Td;

/// <summary>
/// A test's own replay: whole episodes of a batched env kept in arrays, and (s, a, s', g) batches drawn from them with
/// HER goals from the row's own episode (<see cref="HerGoal"/>), as the replay sampler draws them.
/// </summary>
internal sealed class HerEpisodes(IGoalEnv env, double gamma, double finalGoalFraction, int seed)
{
    private readonly List<(float[] States, float[] Actions)> _episodes = [];
    private readonly Random _random = new(seed);
    private int S => env.StateDim;
    private int A => env.ActionDim;
    private int T => env.EpisodeLength;

    public int Count => _episodes.Count;

    /// <summary>Runs one episode in every env with <paramref name="act"/> and keeps them.</summary>
    public void Collect(Func<Tensor, Tensor, Tensor> act)
    {
        int n = env.NumEnvs;
        var states = new float[n][];
        var actions = new float[n][];
        for (int e = 0; e < n; e++) (states[e], actions[e]) = (new float[(T + 1) * S], new float[T * A]);
        env.Reset();
        for (int t = 0; t < T; t++)
        {
            using var scope = NewDisposeScope();
            var s = env.States;
            var a = act(s, env.Goals).cpu();
            using var step = env.Step(a);
            var sNow = s.cpu().data<float>().ToArray();
            var aNow = a.data<float>().ToArray();
            var next = step.NextStates.cpu().data<float>().ToArray();
            for (int e = 0; e < n; e++)
            {
                Array.Copy(sNow, e * S, states[e], t * S, S);
                Array.Copy(aNow, e * A, actions[e], t * A, A);
                if (t == T - 1) Array.Copy(next, e * S, states[e], T * S, S);
            }
        }
        for (int e = 0; e < n; e++) _episodes.Add((states[e], actions[e]));
    }

    /// <summary>B rows, each from a uniformly drawn episode and step, with its next state and a HER goal of that episode.</summary>
    public (float[] States, float[] Actions, float[] NextStates, float[] Goals) Batch(int rows)
    {
        int g = env.GoalDim;
        var (s, a, next, goals) = (new float[rows * S], new float[rows * A], new float[rows * S], new float[rows * g]);
        for (int row = 0; row < rows; row++)
        {
            var (states, actions) = _episodes[_random.Next(_episodes.Count)];
            int t = _random.Next(T);
            int goalStep = HerGoal.SampleGoalStep(_random, gamma, t, T, finalGoalFraction);
            Array.Copy(states, t * S, s, row * S, S);
            Array.Copy(actions, t * A, a, row * A, A);
            Array.Copy(states, (t + 1) * S, next, row * S, S);
            Array.Copy(states, goalStep * S + env.GoalStart, goals, row * g, g);
        }
        return (s, a, next, goals);
    }
}
