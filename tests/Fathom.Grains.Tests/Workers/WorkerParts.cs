using Fathom.Grains.Tests.Cluster;
using Fathom.Grains.Workers;
using Fathom.Learner.Crl;

namespace Fathom.Grains.Tests.Workers;

/// <summary>What the tests of the worker parts share: a small spec, its layout and a small agent on the CPU.</summary>
internal static class WorkerParts
{
    public static readonly Fathom.Grains.Specs.ExperimentSpec Spec = TestSpecs.CollectorVsLearner(budget: 12_800);

    public static readonly Fathom.Replay.EpisodeLayout Layout = EnvironmentFactory.Layout(Spec.Environment);

    /// <summary>The spec's shallow learner (depth 4, width 32) on the CPU, for the env's layout unless told otherwise.</summary>
    public static CrlAgent Agent(long seed = 1, Fathom.Replay.EpisodeLayout? layout = null)
    {
        Fathom.Learner.TorchSetup.Configure(1);
        return new CrlAgent(AgentFactory.Config(Spec.Learners[2], layout ?? Layout, seed));
    }

    /// <summary>One update of <paramref name="agent"/> on a random batch of its spec's size.</summary>
    public static void Train(CrlAgent agent, int seed = 0)
    {
        var random = new Random(seed);
        var batch = Spec.Learners[2].Batch;
        float[] Rows(int width) => Enumerable.Range(0, batch * width).Select(_ => random.NextSingle() * 2 - 1).ToArray();
        agent.Update(Rows(Layout.StateDim), Rows(Layout.ActionDim), Rows(Layout.GoalDim));
    }
}
