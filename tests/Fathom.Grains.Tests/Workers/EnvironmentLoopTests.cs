using Fathom.Grains.Workers;
using Fathom.Learner.Crl;

namespace Fathom.Grains.Tests.Workers;

/// <summary>The collector's environment loop: whole episodes from N envs, the policy asked every K steps.</summary>
public sealed class EnvironmentLoopTests
{
    [Fact]
    public void A_chunk_holds_one_whole_episode_per_env_with_the_version_of_its_first_step()
    {
        Fathom.Learner.TorchSetup.Configure(1);
        var length = WorkerParts.Spec.Environment.EpisodeLength; // 20
        using var loop = new EnvironmentLoop(WorkerParts.Spec.Environment, envs: 4, seed: 3, WorkerParts.Layout, "producer-a", refreshSteps: 5, "cpu");
        Assert.Equal(4L * length, loop.ChunkTransitions);
        var asked = 0;
        var chunk = loop.Collect(() => (null, ++asked)); // random actions; the version moves on at every question

        Assert.Equal(length / 5, asked); // at steps 0, 5, 10 and 15
        Assert.Equal(1, chunk.Version);
        Assert.Equal(4, chunk.Episodes.Length);
        Assert.All(chunk.Episodes, e =>
        {
            Assert.Equal(length, e.Length);
            Assert.Equal(1, e.PolicyVersion);
            Assert.Equal((length + 1) * WorkerParts.Layout.StateDim, e.States.Length);
            Assert.All(e.Actions.ToArray(), a => Assert.InRange(a, -1f, 1f));
        });
        Assert.Equal(4, chunk.Episodes.Select(e => e.Id).Distinct().Count());
        // Each env's episode is its own: the four start states differ.
        Assert.Equal(4, chunk.Episodes.Select(e => (e.States[0], e.States[1])).Distinct().Count());
        Assert.InRange(chunk.SuccessAny, 0, 1);
        Assert.InRange(chunk.MeanTimeAtGoal, 0, length);

        // The next chunk goes on with new sequence numbers, so no id repeats.
        var next = loop.Collect(() => (null, 7));
        Assert.Empty(next.Episodes.Select(e => e.Id).Intersect(chunk.Episodes.Select(e => e.Id)));
        Assert.Equal(7, next.Version);
    }

    [Fact]
    public void A_policy_that_is_given_is_the_one_that_acts()
    {
        using var agent = WorkerParts.Agent();
        using var policy = CrlPolicy.Import(agent.ExportActor());
        using var random = new EnvironmentLoop(WorkerParts.Spec.Environment, 2, 3, WorkerParts.Layout, "p", 5, "cpu");
        using var acting = new EnvironmentLoop(WorkerParts.Spec.Environment, 2, 3, WorkerParts.Layout, "p", 5, "cpu");
        var byRandom = random.Collect(() => (null, 0)).Episodes[0];
        var byPolicy = acting.Collect(() => (policy, 1)).Episodes[0];
        // Same envs, same seed: the same first state, but other actions.
        Assert.Equal(byRandom.States[..2].ToArray(), byPolicy.States[..2].ToArray());
        Assert.NotEqual(byRandom.Actions.ToArray(), byPolicy.Actions.ToArray());
    }
}
