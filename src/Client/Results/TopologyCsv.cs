namespace Fathom.Client.Results;

/// <summary>
/// One cell of a topology probe: a learner's critic Q(s, pi(s, g), g) at a maze position for one fixed
/// goal, beside the true path (geodesic) and straight-line (Euclidean) distances to that goal.
/// Columns: run; learner; role; depth; goal_x, goal_y (world units); x, y (cell centre, world units);
/// wall (1 = solid cell, no Q); q; geodesic; euclidean (empty for walls and unreachable cells).
/// </summary>
public sealed record TopologyCell(
    string Run, string Learner, string Role, int Depth, double GoalX, double GoalY,
    double X, double Y, bool Wall, double Q, double Geodesic, double Euclidean);

public static class TopologyCsv
{
    public const string FileName = "topology.csv";

    public static readonly string[] Columns =
        ["run", "learner", "role", "depth", "goal_x", "goal_y", "x", "y", "wall", "q", "geodesic", "euclidean"];

    public static void Write(string path, IEnumerable<TopologyCell> cells)
    {
        var table = new CsvTable(Columns);
        foreach (var c in cells)
            table.Add(c.Run, c.Learner, c.Role, c.Depth, c.GoalX, c.GoalY, c.X, c.Y, c.Wall, c.Q, c.Geodesic, c.Euclidean);
        table.Write(path);
    }

    public static List<TopologyCell> Read(string path)
    {
        var t = CsvTable.Read(path).Expect(Columns, path);
        return t.Rows.Select(r => new TopologyCell(
            t.Get(r, "run"), t.Get(r, "learner"), t.Get(r, "role"), (int)t.GetLong(r, "depth"),
            t.GetDouble(r, "goal_x"), t.GetDouble(r, "goal_y"), t.GetDouble(r, "x"), t.GetDouble(r, "y"),
            t.Get(r, "wall") == "1", t.GetDouble(r, "q"), t.GetDouble(r, "geodesic"), t.GetDouble(r, "euclidean"))).ToList();
    }
}
