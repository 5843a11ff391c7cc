using Fathom.Learner.Envs;
using static TorchSharp.torch;

namespace Fathom.Learner.Evaluation;

/// <summary>
/// What a critic thinks of the maze for one goal, on a regular grid over the whole map (row-major,
/// <see cref="Rows"/> x <see cref="Columns"/>, row 0 at the top like the layout text; point (i, j) sits at world
/// x = (j + 0.5) * <see cref="Spacing"/>, y = (i + 0.5) * Spacing). Walls hold NaN in all three maps; points that
/// cannot reach the goal hold +infinity in <see cref="Geodesic"/>. The correlations are Spearman's between -Q and
/// each distance over the reachable free points: near 1 for geodesic means the critic learned the maze, higher
/// for Euclidean than geodesic means it learned the straight line through the walls.
/// </summary>
public sealed record TopologyProbeResult(
    int Rows,
    int Columns,
    float Spacing,
    float GoalX,
    float GoalY,
    float[] Q,
    float[] Geodesic,
    float[] Euclidean,
    int NumPoints,
    double SpearmanGeodesic,
    double SpearmanEuclidean);

/// <summary>Evaluates Q(s, pi(s, g), g) over a grid of free positions and compares it with the true distances.</summary>
public static class TopologyProbe
{
    /// <param name="env">Supplies the maze, its geodesic and the states of an agent at rest at each point.</param>
    /// <param name="pointsPerCell">Grid points per cell side (4 gives 16 points per free cell).</param>
    public static TopologyProbeResult Run(IMazeEnv env, BatchCritic critic, BatchPolicy policy, float goalX, float goalY, int pointsPerCell = 4)
    {
        if (pointsPerCell <= 0) throw new ArgumentOutOfRangeException(nameof(pointsPerCell), pointsPerCell, $"pointsPerCell must be > 0, got {pointsPerCell}");
        var layout = env.Layout;
        var cell = env.CellSize;
        if (!layout.IsFree(goalX, goalY, cell)) throw new ArgumentException($"goal ({goalX}, {goalY}) is not in a free cell", nameof(goalX));

        int rows = layout.Rows * pointsPerCell, columns = layout.Columns * pointsPerCell;
        var spacing = cell / pointsPerCell;
        var field = env.Geodesic.ToGoal(goalX, goalY);
        var size = rows * columns;
        float[] q = new float[size], geodesic = new float[size], euclidean = new float[size];
        Array.Fill(q, float.NaN);
        Array.Fill(geodesic, float.NaN);
        Array.Fill(euclidean, float.NaN);
        var free = new List<int>();
        var positions = new List<float>();
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < columns; j++)
            {
                float x = (j + 0.5f) * spacing, y = (i + 0.5f) * spacing;
                if (!layout.IsFree(x, y, cell)) continue;
                var k = i * columns + j;
                free.Add(k);
                positions.Add(x);
                positions.Add(y);
                geodesic[k] = (float)field.Distance(x, y);
                euclidean[k] = (float)MazeGeodesic.Euclidean(x, y, goalX, goalY);
            }

        using (NewDisposeScope())
        {
            var states = env.StatesAt(tensor(positions.ToArray(), [free.Count, 2]));
            var goals = tensor(new[] { goalX, goalY }, [1, 2], device: env.Device).expand(free.Count, 2).contiguous();
            var values = critic(states, policy(states, goals), goals).reshape(-1).to(float32).cpu().data<float>().ToArray();
            for (var p = 0; p < free.Count; p++) q[free[p]] = values[p];
        }

        var reachable = free.Where(k => float.IsFinite(geodesic[k])).ToArray();
        var negQ = reachable.Select(k => -(double)q[k]).ToArray();
        return new TopologyProbeResult(rows, columns, spacing, goalX, goalY, q, geodesic, euclidean, reachable.Length,
            RankCorrelation.Spearman(negQ, reachable.Select(k => (double)geodesic[k]).ToArray()),
            RankCorrelation.Spearman(negQ, reachable.Select(k => (double)euclidean[k]).ToArray()));
    }
}
