using Fathom.Learner.Envs;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Envs;

/// <summary>The point is never inside a wall and never gets to the other side of one in a single step.</summary>
public class PointMazeWallTests
{
    public static TheoryData<string> Layouts => new(MazeLayout.BuiltInNames);

    [Theory]
    [MemberData(nameof(Layouts))]
    public void RandomAndMaxActionsStayOutOfWalls(string name) =>
        AssertNoWallCrossing(MazeLayout.BuiltIn(name), new PointMazeSettings(), steps: 250);

    [Theory]
    [InlineData("hardest_maze")]
    [InlineData("big_maze")]
    public void LargeStepsUseSubStepsAndStillNeverTunnel(string name) =>
        AssertNoWallCrossing(MazeLayout.BuiltIn(name), new PointMazeSettings { StepSize = 2.5f, SuccessRadius = 2.5f }, steps: 150);

    [Fact]
    public void InertialVariantStaysOutOfWalls() =>
        AssertNoWallCrossing(MazeLayout.BuiltIn("hardest_maze"), new PointMazeSettings { Dynamics = PointMazeDynamics.Inertial }, steps: 250);

    [Fact]
    public void PushingIntoAWallSlidesAlongIt()
    {
        // u_maze start cell (row 1, col 1): the wall below is row 2. Push down and right at full strength.
        using var env = new PointMaze(MazeLayout.BuiltIn("u_maze"), 1, seed: 3);
        using var actions = tensor(new[] { 1f, 1f }, [1, 2]);
        for (var i = 0; i < 2; i++) env.Step(actions).Dispose();
        using var state = env.States;
        var (x, y) = (state[0, 0].item<float>(), state[0, 1].item<float>());
        Assert.InRange(y, 1.99f, 2f);   // pressed against the wall below, still in row 1
        Assert.InRange(x, 2.3f, 2.7f);  // but slid right along it, a full step per step
    }

    private static void AssertNoWallCrossing(MazeLayout layout, PointMazeSettings settings, int steps)
    {
        const int numEnvs = 128;
        var cellSteps = CellStepDistances(layout);
        var subSteps = (int)Math.Ceiling(settings.StepSize / (PointMaze.MaxSubStepCells * settings.CellSize));
        using var env = new PointMaze(layout, numEnvs, seed: 11, settings);
        var generator = new Generator(5);
        for (var t = 0; t < steps; t++)
        {
            using var scope = NewDisposeScope();
            var actions = rand([numEnvs, 2], generator: generator).mul(Scalars.Of(2L)).sub(Scalars.Of(1L));
            if (t % 2 == 0) actions = actions.sign().mul(Scalars.Of(1.5));  // max magnitude (clamped) on every other step
            var before = env.States.data<float>().ToArray();
            var step = env.Step(actions);
            var after = step.NextStates.data<float>().ToArray();
            var sd = env.StateDim;
            for (var i = 0; i < numEnvs; i++)
            {
                double x0 = before[i * sd], y0 = before[i * sd + 1], x1 = after[i * sd], y1 = after[i * sd + 1];
                Assert.True(layout.IsFree(x1, y1), $"{layout.Name}: env {i} inside a wall at ({x1}, {y1}) after step {t}");
                var from = ((int)y0) * layout.Columns + (int)x0;
                var to = ((int)y1) * layout.Columns + (int)x1;
                // Each sub-step moves x then y by at most half a cell: at most 2 cell hops through free cells.
                Assert.True(cellSteps[from, to] <= 2 * subSteps,
                    $"{layout.Name}: env {i} went from ({x0}, {y0}) to ({x1}, {y1}), {cellSteps[from, to]} free-cell hops apart, in one step");
            }
        }
    }

    /// <summary>Breadth-first search over free cells (4-neighbours): how many cell hops separate two cells.</summary>
    private static int[,] CellStepDistances(MazeLayout layout)
    {
        var n = layout.Rows * layout.Columns;
        var hops = new int[n, n];
        for (var source = 0; source < n; source++)
        {
            for (var k = 0; k < n; k++) hops[source, k] = int.MaxValue;
            if (layout.IsWall(source / layout.Columns, source % layout.Columns)) continue;
            hops[source, source] = 0;
            var queue = new Queue<int>([source]);
            while (queue.Count > 0)
            {
                var c = queue.Dequeue();
                foreach (var (dr, dc) in new[] { (1, 0), (-1, 0), (0, 1), (0, -1) })
                {
                    int r = c / layout.Columns + dr, col = c % layout.Columns + dc;
                    if (layout.IsWall(r, col)) continue;
                    var next = r * layout.Columns + col;
                    if (hops[source, next] != int.MaxValue) continue;
                    hops[source, next] = hops[source, c] + 1;
                    queue.Enqueue(next);
                }
            }
        }
        return hops;
    }
}
