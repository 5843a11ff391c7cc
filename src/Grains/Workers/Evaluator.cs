using System.Diagnostics;
using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;
using Fathom.Grains.Telemetry;
using Fathom.Learner;
using Fathom.Learner.Crl;
using Fathom.Learner.Evaluation;

namespace Fathom.Grains.Workers;

/// <summary>
/// A learner's evaluator: runs its deterministic policy on fresh eval envs with a fixed seed (every evaluation sees
/// the same starts and goals, crl-spec section 5), and probes its critic's Q over the eval maze at the end of a run.
/// Env tensors live on the learner's device.
/// </summary>
public sealed class Evaluator(ExperimentSpec spec, DateTime runStartedAt, string device, TagList tags)
{
    /// <summary>Seed of every evaluation's envs, so every learner and the random baseline see the same starts and goals.</summary>
    public const long EvaluationSeed = 20_251_125;

    /// <summary>One evaluation point, stamped with the run's <paramref name="envSteps"/>, the agent's updates and seconds since the run started.</summary>
    public EvaluationPoint Evaluate(IGoalAgent agent, long envSteps)
    {
        using var span = FathomTelemetry.Source.StartActivity(FathomTelemetry.Spans.Evaluation);
        using var env = EnvironmentFactory.Eval(spec.Environment, spec.Evaluation.Episodes, EvaluationSeed, device);
        var result = PolicyEvaluation.Run(env, (states, goals) => agent.Act(states, goals, deterministic: true));
        FathomTelemetry.TimeAtGoal.Record(result.TimeAtGoalMean, tags);
        FathomTelemetry.SuccessAny.Record(result.SuccessAny, tags);
        return new EvaluationPoint(envSteps, agent.UpdateCount, (DateTime.UtcNow - runStartedAt).TotalSeconds,
            result.TimeAtGoalMean, result.TimeAtGoalStdErr, result.SuccessAny, result.MeanFinalDistance, result.FinalDistanceStdErr);
    }

    /// <summary>Q over the eval maze for its first goal cell (the far corner of the U on u_maze_eval).</summary>
    public TopologyGrid Probe(IGoalAgent agent, string learner)
    {
        using var env = EnvironmentFactory.Eval(spec.Environment, 1, EvaluationSeed, device);
        var (row, col) = env.Layout.Goals[0];
        var cell = env.CellSize;
        var result = TopologyProbe.Run(env, (s, a, g) => agent.Q(s, a, g), (s, g) => agent.Act(s, g, deterministic: true),
            (col + 0.5f) * cell, (row + 0.5f) * cell);
        return new TopologyGrid(learner, agent.UpdateCount, result.Rows, result.Columns, result.Spacing,
            result.GoalX, result.GoalY, result.Q, result.Geodesic, result.Euclidean, result.SpearmanGeodesic, result.SpearmanEuclidean);
    }
}
