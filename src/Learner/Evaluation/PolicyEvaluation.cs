using Fathom.Learner.Envs;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Evaluation;

/// <summary>
/// The figures of crl-spec section 5 for one evaluation episode on M envs. Time at goal: steps (out of the
/// episode length) whose next state is within the success radius, mean over envs and its standard error;
/// success-any: fraction of envs that reached the goal at least once; final distance: mean distance from s_T's
/// goal slice to the goal, and its standard error over envs. An episode that ends early (a fallen Ant) counts no
/// time at goal after its end, and its final distance is that of the state it ended in.
/// </summary>
public sealed record EvaluationResult(
    int NumEnvs,
    int EpisodeLength,
    double TimeAtGoalMean,
    double TimeAtGoalStdErr,
    double SuccessAny,
    double MeanFinalDistance,
    double FinalDistanceStdErr);

/// <summary>Runs a batched policy for one episode on every env of an env batch.</summary>
public static class PolicyEvaluation
{
    /// <summary>
    /// Resets all envs and runs exactly one episode with <paramref name="policy"/>. Deterministic when the policy is
    /// (pass the actor's deterministic action) and the env is freshly built with a fixed seed: build a new eval env
    /// for each evaluation, e.g. <c>new PointMaze(MazeLayout.BuiltIn("u_maze_eval"), 64, seed: 0)</c>, so every
    /// evaluation sees the same starts and goals.
    /// </summary>
    public static EvaluationResult Run(IGoalEnv env, BatchPolicy policy)
    {
        using var scope = NewDisposeScope();
        env.Reset();
        var goals = env.Goals;
        var timeAtGoal = zeros(env.NumEnvs, device: env.Device);
        var finalDistance = zeros(env.NumEnvs, device: env.Device);
        var running = ones(env.NumEnvs, dtype: ScalarType.Bool, device: env.Device); // still in its first episode
        for (var t = 0; t < env.EpisodeLength; t++)
        {
            using var stepScope = NewDisposeScope();
            using var states = env.States;
            using var actions = policy(states, goals);
            using var step = env.Step(actions);
            timeAtGoal.add_(step.Success.logical_and(running).to(float32));
            var ended = t == env.EpisodeLength - 1 ? running.clone() : step.Done.logical_and(running);
            var distance = step.NextStates.narrow(1, env.GoalStart, env.GoalDim).sub(goals).norm(1);
            finalDistance.copy_(where(ended, distance, finalDistance));
            running.logical_and_(ended.logical_not());
        }
        var time = timeAtGoal.cpu().data<float>().Select(v => (double)v).ToArray();
        var distances = finalDistance.cpu().data<float>().Select(v => (double)v).ToArray();
        var (meanTime, timeStdErr) = SampleMean.WithStdErr(time);
        var (meanDistance, distanceStdErr) = SampleMean.WithStdErr(distances);
        return new EvaluationResult(
            env.NumEnvs,
            env.EpisodeLength,
            meanTime,
            timeStdErr,
            time.Count(v => v > 0) / (double)time.Length,
            meanDistance,
            distanceStdErr);
    }
}
