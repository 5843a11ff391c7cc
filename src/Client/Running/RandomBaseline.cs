using Fathom.Client.Results;
using Fathom.Grains.Specs;
using Fathom.Grains.Workers;
using Fathom.Learner.Evaluation;

namespace Fathom.Client.Running;

/// <summary>
/// The floor every curve is read against: the uniform random policy evaluated like a learner (one episode on the
/// eval layout, as many envs as the spec's evaluation episodes, the learners' starts and goals), written to eval.csv
/// with role "random".
/// </summary>
public static class RandomBaseline
{
    public const string Role = "random";

    public static EvalPoint Evaluate(string run, ExperimentSpec spec)
    {
        using var env = EnvironmentFactory.Eval(spec.Environment, spec.Evaluation.Episodes, Evaluator.EvaluationSeed);
        var result = PolicyEvaluation.Run(env, RandomPolicy.Create(env.ActionDim, spec.Seed));
        return new EvalPoint(run, Role, Role, 0, 0, 0, result.TimeAtGoalMean, result.TimeAtGoalStdErr, result.SuccessAny,
            result.MeanFinalDistance, result.FinalDistanceStdErr);
    }
}
