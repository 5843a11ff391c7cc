using Fathom.Client.Results;

namespace Fathom.Client.Tests;

/// <summary>Small but realistic results written with the client's own writers: two learners' curves, a random baseline, a U-maze probe.</summary>
static class SampleResults
{
    public static List<EvalPoint> Evals(string run, double deepGain = 1.0)
    {
        var points = new List<EvalPoint> { new(run, "random", "random", 0, 0, 0, 1.7, 0.4, 0.21, 2.9, 0.3) };
        for (var i = 1; i <= 8; i++)
        {
            points.Add(new(run, "collector", "behaviour", 32, i * 10_000, i * 200, 6.0 * i * deepGain, 1.5, Math.Min(1, 0.1 * i), 3 - 0.3 * i, 0.02 * i));
            points.Add(new(run, "shallow", "passive", 4, i * 10_000, i * 210, 2.0 * i, 1.0, Math.Min(1, 0.05 * i), 3 - 0.1 * i));
        }
        return points;
    }

    /// <summary>The U maze (5x5 cells, walls around, wall in the middle row; y grows downward as in the layout), goal at the bottom-left cell.</summary>
    public static List<TopologyCell> UMaze(string run)
    {
        string[] layout = ["#####", "#...#", "###.#", "#...#", "#####"];
        // Path distance from the goal cell (1,3) (column, row from the top) around the wall.
        var geodesic = new Dictionary<(int, int), double> { [(1, 3)] = 0, [(2, 3)] = 1, [(3, 3)] = 2, [(3, 2)] = 3, [(3, 1)] = 4, [(2, 1)] = 5, [(1, 1)] = 6 };
        var cells = new List<TopologyCell>();
        foreach (var (learner, depth) in new[] { ("shallow", 4), ("deep", 32) })
            for (var row = 0; row < 5; row++)
                for (var col = 0; col < 5; col++)
                {
                    double x = col + 0.5, y = row + 0.5, gx = 1.5, gy = 3.5;
                    var wall = layout[row][col] == '#';
                    var euclid = Math.Sqrt((x - gx) * (x - gx) + (y - gy) * (y - gy));
                    var path = wall ? double.NaN : geodesic[(col, row)];
                    // The deep critic follows the path, the shallow one the straight line.
                    var q = wall ? double.NaN : depth == 32 ? -path : -euclid;
                    cells.Add(new(run, learner, depth == 32 ? "behaviour" : "passive", depth, gx, gy, x, y, wall, q, path, wall ? double.NaN : euclid));
                }
        return cells;
    }
}
