using Fathom.Learner.Crl;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Crl;

/// <summary>
/// A learner exports its actor and saves checkpoints, and a collector builds a policy from the blob, thousands of times
/// a run and outside an update's dispose scope. Under <see cref="FinalizerPressure"/> each must stay exact: a TorchSharp
/// temporary left unheld during a native op (a parameter slice, a gradient view, a copy being written) can be freed under it.
/// </summary>
public class WeightTransferStressTests
{
    private const int Iterations = 40_000;

    private static CrlAgent Agent() => new(CrlAgentTests.Small(seed: 7) with { ActorWidth = 16, CriticWidth = 16 });

    [Fact]
    public void Importing_a_policy_while_collections_run_gives_the_agents_actions()
    {
        using var agent = Agent();
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

    [Fact]
    public void Exporting_and_saving_while_collections_run_write_the_same_bytes()
    {
        using var agent = Agent();
        var blob = agent.ExportActor();
        using var first = new MemoryStream();
        agent.Save(first);
        var checkpoint = first.ToArray();
        using var pressure = new FinalizerPressure();
        for (var i = 0; i < Iterations / 10; i++)
        {
            Assert.Equal(blob, agent.ExportActor());
            using var again = new MemoryStream();
            agent.Save(again);
            Assert.Equal(checkpoint, again.ToArray());
        }
    }
}
