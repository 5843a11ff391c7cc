using Fathom.Client.Results;
using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;
using Fathom.Learner.Envs;

namespace Fathom.Client.Running;

/// <summary>Turns what the experiment grain reports into the rows of the results CSVs (the one place that knows both shapes).</summary>
public static class ResultRows
{
    public static string Role(LearnerRole role) => role == LearnerRole.Behaviour ? "behaviour" : "passive";

    /// <summary>Every evaluation of every learner, env steps shifted by what earlier segments of the run collected.</summary>
    public static IEnumerable<EvalPoint> Evals(string run, IEnumerable<LearnerCurve> curves, long envStepOffset) =>
        curves.SelectMany(c => c.Points.Select(p => new EvalPoint(run, c.Name, Role(c.Role), c.CriticDepth, envStepOffset + p.EnvSteps,
            p.Updates, p.TimeAtGoalMean, p.TimeAtGoalStderr, p.SuccessAny, p.MeanFinalDistance, p.FinalDistanceStderr)));

    /// <summary>
    /// A probe grid as cells with world coordinates: the grid spans the eval layout (row 0 at the top, y growing
    /// downward as in the layout text, cell size 1), so its spacing is the layout width over the grid's columns.
    /// </summary>
    public static IEnumerable<TopologyCell> Topology(string run, TopologyGrid grid, ExperimentSpec spec)
    {
        var learner = spec.Learner(grid.Learner);
        var spacing = (double)MazeLayout.From(spec.Environment.EvalLayout).Columns / grid.Cols;
        for (var i = 0; i < grid.Rows; i++)
            for (var j = 0; j < grid.Cols; j++)
            {
                var k = i * grid.Cols + j;
                var wall = double.IsNaN(grid.Euclidean[k]);
                yield return new TopologyCell(run, learner.Name, Role(learner.Role), learner.Critic.Depth, grid.GoalX, grid.GoalY,
                    (j + 0.5) * spacing, (i + 0.5) * spacing, wall, grid.Q[k], grid.Geodesic[k], grid.Euclidean[k]);
            }
    }
}
