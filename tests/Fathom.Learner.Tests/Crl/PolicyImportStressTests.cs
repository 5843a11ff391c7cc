using Fathom.Learner.Crl;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Crl;

/// <summary>
/// A collector builds a policy from its behaviour learner's blob outside any dispose scope, thousands of times a run.
/// Under <see cref="FinalizerPressure"/> every import must give the exported actor's actions: a TorchSharp temporary
/// left unheld during a native op (a parameter slice, a gradient view, the read values) can be freed under it.
/// </summary>
public class PolicyImportStressTests
{
    private const int Iterations = 40_000;

    [Fact]
    public void Importing_a_policy_while_collections_run_gives_the_agents_actions()
    {
        using var agent = new CrlAgent(new CrlConfig
        {
            StateDim = SyntheticTrajectories.StateDim,
            ActionDim = SyntheticTrajectories.ActionDim,
            GoalDim = SyntheticTrajectories.GoalDim,
            ActorDepth = 4,
            ActorWidth = 16,
            CriticDepth = 4,
            CriticWidth = 16,
            Seed = 7,
        });
        var blob = agent.ExportActor();
        using var states = rand(8, SyntheticTrajectories.StateDim, generator: new Generator(3));
        using var goals = rand(8, SyntheticTrajectories.GoalDim, generator: new Generator(4));
        using var expected = agent.Act(states, goals, deterministic: true);
        using var pressure = new FinalizerPressure();
        for (var i = 0; i < Iterations; i++)
        {
            var policy = CrlPolicy.Import(blob); // left to the finalizer now and then, as a dropped policy would be
            if (i % 1_000 == 0)
            {
                using var actions = policy.Act(states, goals, deterministic: true);
                Assert.True(actions.allclose(expected), $"import {i} acts differently from the exported actor");
            }
            if (i % 2 == 0) policy.Dispose();
        }
    }
}
