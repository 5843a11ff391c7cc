using Fathom.Learner.Evaluation;
using static TorchSharp.torch;

namespace Fathom.Learner.Envs;

/// <summary>
/// A scripted oracle for the kinematic PointMaze: each env heads in a straight line for the next corner of its
/// exact shortest path to the goal (kept a little off the wall), or for the goal once in sight, as fast as the
/// action range allows. The ceiling next to the random policy's floor, and the proof that every goal is
/// reachable within an episode. Runs on the CPU with a per-env loop; it is a reference, not a hot path.
/// </summary>
public static class GeodesicPolicy
{
    /// <summary>How far (cells) the oracle keeps off each corner it turns around.</summary>
    private const double CornerClearance = 0.05;

    public static BatchPolicy Create(PointMaze env)
    {
        if (env.Settings.Dynamics != PointMazeDynamics.Kinematic)
            throw new ArgumentException("GeodesicPolicy steers the kinematic PointMaze (action = displacement) only", nameof(env));
        var fields = new Dictionary<(float, float), MazeGeodesic.GoalField>();
        var stepSize = env.Settings.StepSize;
        var cell = env.Settings.CellSize;
        return (states, goals) =>
        {
            var s = states.cpu().data<float>().ToArray();
            var g = goals.cpu().data<float>().ToArray();
            var n = (int)states.shape[0];
            int sd = (int)states.shape[1], gd = (int)goals.shape[1];
            var actions = new float[n * 2];
            for (var i = 0; i < n; i++)
            {
                var key = (g[i * gd], g[i * gd + 1]);
                if (!fields.TryGetValue(key, out var field))
                {
                    if (fields.Count > 4096) fields.Clear();
                    field = fields[key] = env.Geodesic.ToGoal(key.Item1, key.Item2);
                }
                double x = s[i * sd], y = s[i * sd + 1];
                var (_, wx, wy) = field.NextWaypoint(x, y, CornerClearance * cell);
                if (double.IsNaN(wx)) continue;
                double dx = (wx - x) / stepSize, dy = (wy - y) / stepSize;
                var scale = Math.Max(1, Math.Max(Math.Abs(dx), Math.Abs(dy)));
                actions[2 * i] = (float)(dx / scale);
                actions[2 * i + 1] = (float)(dy / scale);
            }
            return tensor(actions, [n, 2]).to(states.device);
        };
    }
}
