using Fathom.Learner.Envs;

namespace Fathom.Learner.Evaluation;

/// <summary>
/// The floor and the ceiling for PointMaze learning curves: the random policy and the scripted geodesic oracle,
/// evaluated exactly like a learner (one episode on <c>numEnvs</c> freshly seeded envs). Figures per built-in
/// layout are listed in docs/environments.md.
/// </summary>
public static class ReferenceFigures
{
    public static EvaluationResult Random(string layout, int numEnvs = 256, long seed = 0, PointMazeSettings? settings = null)
    {
        using var env = new PointMaze(MazeLayout.From(layout), numEnvs, seed, settings);
        return PolicyEvaluation.Run(env, RandomPolicy.Create(env.ActionDim, seed));
    }

    public static EvaluationResult Oracle(string layout, int numEnvs = 256, long seed = 0, PointMazeSettings? settings = null)
    {
        using var env = new PointMaze(MazeLayout.From(layout), numEnvs, seed, settings);
        return PolicyEvaluation.Run(env, GeodesicPolicy.Create(env));
    }
}
