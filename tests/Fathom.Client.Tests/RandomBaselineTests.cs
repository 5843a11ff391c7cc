using Fathom.Client.Running;
using Fathom.Grains.Specs;
using Fathom.Grains.Workers;
using Fathom.Learner.Evaluation;

namespace Fathom.Client.Tests;

public class RandomBaselineTests
{
    [Fact]
    public void RandomBaseline_PlaysTheLearnersStartsAndGoals()
    {
        var (_, path) = TinySpec.Write("baseline", 3000);
        var spec = SpecLoader.LoadFile(path) with { Seed = 7 };
        var random = RandomBaseline.Evaluate("r", spec);

        using var learnersEnv = EnvironmentFactory.Eval(spec.Environment, spec.Evaluation.Episodes, Evaluator.EvaluationSeed);
        using var ownEnv = EnvironmentFactory.Eval(spec.Environment, spec.Evaluation.Episodes, spec.Seed);
        var onLearners = PolicyEvaluation.Run(learnersEnv, RandomPolicy.Create(learnersEnv.ActionDim, spec.Seed));
        var onOwn = PolicyEvaluation.Run(ownEnv, RandomPolicy.Create(ownEnv.ActionDim, spec.Seed));

        Assert.Equal(onLearners.MeanFinalDistance, random.FinalDistance, 9);
        Assert.NotEqual(onOwn.MeanFinalDistance, random.FinalDistance); // the spec's seed draws other starts and goals
    }
}
