using Fathom.Learner.Envs;

namespace Fathom.Learner.Tests.Envs;

public class MazeGeodesicTests
{
    [Fact]
    public void UMazeStartToBottomLeftGoalIsTheCorridorPath()
    {
        var geodesic = new MazeGeodesic(MazeLayout.BuiltIn("u_maze"));
        // Start centre (1.5, 1.5), bottom-left goal centre (1.5, 3.5); the wall block spans x 1..3, y 2..3.
        // Shortest corridor path: to the corner (3, 2), down the wall's side to (3, 3), back to the goal.
        var corridor = 2 * Math.Sqrt(1.5 * 1.5 + 0.5 * 0.5) + 1;
        var distance = geodesic.Distance(1.5, 1.5, 1.5, 3.5);
        Assert.Equal(corridor, distance, 6);
        Assert.True(distance > MazeGeodesic.Euclidean(1.5, 1.5, 1.5, 3.5) + 2);
    }

    [Fact]
    public void CellSizeScalesDistances()
    {
        var unit = new MazeGeodesic(MazeLayout.BuiltIn("u_maze"));
        var doubled = new MazeGeodesic(MazeLayout.BuiltIn("u_maze"), cellSize: 2);
        Assert.Equal(2 * unit.Distance(1.5, 1.5, 1.5, 3.5), doubled.Distance(3, 3, 3, 7), 6);
    }

    [Fact]
    public void DiagonallyTouchingWallsAreClosed()
    {
        // big_maze: walls at (row 4, col 3) and (row 5, col 2) touch at the point (3, 5); cells (4, 2) and (5, 3) meet only there.
        var geodesic = new MazeGeodesic(MazeLayout.BuiltIn("big_maze"));
        var straight = MazeGeodesic.Euclidean(2.5, 4.5, 3.5, 5.5);
        Assert.True(geodesic.Distance(2.5, 4.5, 3.5, 5.5) > straight + 1);
    }

    [Theory]
    [InlineData("big_maze")]
    [InlineData("hardest_maze")]
    [InlineData("u5_maze")]
    public void AgreesWithAFineGridSearch(string name)
    {
        // Independent check: Dijkstra on a 10-points-per-cell grid with 8 neighbours overestimates a straight
        // segment by at most 8.3% (octile vs Euclidean), plus a little for grid points
        // kept off the wall corners; it must lie between the exact distance and that.
        var layout = MazeLayout.BuiltIn(name);
        var geodesic = new MazeGeodesic(layout);
        const int k = 10;
        var random = new Random(3);
        var free = Enumerable.Range(0, layout.Rows * layout.Columns).Where(c => !layout.IsWall(c / layout.Columns, c % layout.Columns)).ToArray();
        for (var trial = 0; trial < 6; trial++)
        {
            var goalCell = free[random.Next(free.Length)];
            int goalI = goalCell / layout.Columns * k + k / 2, goalJ = goalCell % layout.Columns * k + k / 2;
            var grid = GridDistances(layout, k, goalI, goalJ);
            var field = geodesic.ToGoal((goalJ + 0.5) / k, (goalI + 0.5) / k);
            foreach (var cellIndex in free.Where((_, i) => i % 3 == trial % 3))
            {
                int i = cellIndex / layout.Columns * k + 2, j = cellIndex % layout.Columns * k + 7;
                var exact = field.Distance((j + 0.5) / k, (i + 0.5) / k);
                var approx = grid[i, j];
                Assert.InRange(approx, exact - 0.01, exact * 1.09 + 0.1);
            }
        }
    }

    private static double[,] GridDistances(MazeLayout layout, int k, int goalI, int goalJ)
    {
        int rows = layout.Rows * k, columns = layout.Columns * k;
        var distance = new double[rows, columns];
        for (var i = 0; i < rows; i++) for (var j = 0; j < columns; j++) distance[i, j] = double.PositiveInfinity;
        bool Free(int i, int j) => !layout.IsWall(i / k, j / k);
        var queue = new PriorityQueue<(int, int), double>();
        distance[goalI, goalJ] = 0;
        queue.Enqueue((goalI, goalJ), 0);
        while (queue.TryDequeue(out var at, out var d))
        {
            var (i, j) = at;
            if (d > distance[i, j]) continue;
            for (var di = -1; di <= 1; di++)
                for (var dj = -1; dj <= 1; dj++)
                {
                    int ni = i + di, nj = j + dj;
                    if ((di == 0 && dj == 0) || !Free(ni, nj)) continue;
                    if (di != 0 && dj != 0 && (!Free(i + di, j) || !Free(i, j + dj))) continue;  // no corner cutting
                    var nd = d + (di != 0 && dj != 0 ? Math.Sqrt(2) : 1) / k;
                    if (nd >= distance[ni, nj]) continue;
                    distance[ni, nj] = nd;
                    queue.Enqueue((ni, nj), nd);
                }
        }
        return distance;
    }
}
