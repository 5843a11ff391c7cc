using Fathom.Learner.Envs;
using Fathom.Learner.Evaluation;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Envs;

public class TopologyProbeTests
{
    private static readonly BatchPolicy StandStill = (states, _) => zeros(states.shape[0], 2);

    [Fact]
    public void CriticThatKnowsTheMazeCorrelatesWithGeodesic()
    {
        using var env = new PointMaze(MazeLayout.BuiltIn("u_maze"), 1, seed: 0);
        var result = TopologyProbe.Run(env, Critic(env, geodesic: true), StandStill, 1.5f, 3.5f);
        Assert.True(result.SpearmanGeodesic > 0.999, $"geodesic {result.SpearmanGeodesic}");
        Assert.True(result.SpearmanEuclidean < result.SpearmanGeodesic - 0.1, $"euclid {result.SpearmanEuclidean}");
    }

    [Fact]
    public void CriticThatCutsThroughWallsCorrelatesWithEuclidean()
    {
        using var env = new PointMaze(MazeLayout.BuiltIn("u_maze"), 1, seed: 0);
        var result = TopologyProbe.Run(env, Critic(env, geodesic: false), StandStill, 1.5f, 3.5f);
        Assert.True(result.SpearmanEuclidean > 0.999, $"euclid {result.SpearmanEuclidean}");
        Assert.True(result.SpearmanGeodesic < result.SpearmanEuclidean - 0.1, $"geodesic {result.SpearmanGeodesic}");
    }

    [Fact]
    public void GridCoversTheMapWithNaNOnWalls()
    {
        using var env = new PointMaze(MazeLayout.BuiltIn("u_maze"), 1, seed: 0);
        var result = TopologyProbe.Run(env, Critic(env, geodesic: true), StandStill, 1.5f, 3.5f, pointsPerCell: 2);
        Assert.Equal((10, 10, 0.5f), (result.Rows, result.Columns, result.Spacing));
        Assert.Equal(100, result.Q.Length);
        Assert.Equal(7 * 4, result.NumPoints);  // 7 free cells, 4 points each
        Assert.True(float.IsNaN(result.Q[0]));  // top-left corner is wall
        var nearGoal = 7 * 10 + 3;  // row 7, col 3 -> (1.75, 3.75)
        Assert.Equal(Math.Sqrt(2 * 0.25 * 0.25), result.Geodesic[nearGoal], 4);
        Assert.Equal(result.Euclidean[nearGoal], result.Geodesic[nearGoal], 5);
    }

    [Fact]
    public void PolicyActionsReachTheCritic()
    {
        using var env = new PointMaze(MazeLayout.BuiltIn("u_maze"), 1, seed: 0);
        BatchPolicy pushRight = (states, _) => ones(states.shape[0], 2);
        BatchCritic readsAction = (_, actions, _) => actions.select(1, 0).neg();
        var result = TopologyProbe.Run(env, readsAction, pushRight, 1.5f, 3.5f);
        Assert.All(result.Q.Where(float.IsFinite), q => Assert.Equal(-1f, q));
    }

    [Fact]
    public void AnAntMazeIsProbedOnTheSameGridWithAnAntStandingAtEachPoint()
    {
        using var env = new AntMaze(MazeLayout.BuiltIn("u_maze"), 1, seed: 0);
        var seen = new List<float[]>();
        BatchCritic critic = (states, actions, goals) =>
        {
            Assert.Equal(AntMaze.StateSize, (int)states.shape[1]);
            Assert.Equal(AntMaze.ActionSize, (int)actions.shape[1]);
            seen.Add(states.data<float>().ToArray());
            return Critic(env, geodesic: true)(states, actions, goals);
        };
        BatchPolicy still = (states, _) => zeros(states.shape[0], AntMaze.ActionSize);
        var goal = 3.5f * env.CellSize;
        var result = TopologyProbe.Run(env, critic, still, 1.5f * env.CellSize, goal, pointsPerCell: 2);
        Assert.Equal((10, 10, env.CellSize / 2), (result.Rows, result.Columns, result.Spacing));
        Assert.Equal(7 * 4, result.NumPoints);
        Assert.True(result.SpearmanGeodesic > 0.999, $"geodesic {result.SpearmanGeodesic}");
        // Every probed state is the start pose at rest (torso 0.55 m up, upright, zero velocities) at its point.
        var states = Assert.Single(seen);
        for (var p = 0; p < states.Length / AntMaze.StateSize; p++)
        {
            var state = states.AsSpan(p * AntMaze.StateSize, AntMaze.StateSize);
            Assert.True(env.Layout.IsFree(state[0], state[1], env.CellSize));
            Assert.Equal(AntMazeModel.InitialQpos[2..].ToArray().Select(v => (float)v), state[2..AntMazeModel.Nq].ToArray());
            Assert.All(state[AntMazeModel.Nq..].ToArray(), v => Assert.Equal(0f, v));
        }
    }

    /// <summary>A synthetic critic: Q = -geodesic or -Euclidean distance from the state's position (its first two entries) to the goal.</summary>
    private static BatchCritic Critic(IMazeEnv env, bool geodesic) => (states, _, goals) =>
    {
        var s = states.data<float>().ToArray();
        var g = goals.data<float>().ToArray();
        var n = (int)states.shape[0];
        var width = (int)states.shape[1];
        var q = new float[n];
        for (var i = 0; i < n; i++)
            q[i] = -(float)(geodesic
                ? env.Geodesic.Distance(s[width * i], s[width * i + 1], g[2 * i], g[2 * i + 1])
                : MazeGeodesic.Euclidean(s[width * i], s[width * i + 1], g[2 * i], g[2 * i + 1]));
        return tensor(q);
    };
}
