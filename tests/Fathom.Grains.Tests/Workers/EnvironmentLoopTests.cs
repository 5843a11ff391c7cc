using Fathom.Grains.Workers;
using Fathom.Learner.Crl;
using Fathom.Learner.Envs;
using Fathom.Replay;

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

    [Fact]
    public void Episodes_that_end_early_are_stored_whole_and_a_chunk_is_still_N_by_T_transitions()
    {
        Fathom.Learner.TorchSetup.Configure(1);
        const int envs = 4, length = 60;
        // A healthy band narrow enough that a flailing Ant leaves it often (its torso starts at 0.55 +- 0.1 m).
        var settings = new AntMazeSettings { EpisodeLength = length, HealthyZMin = 0.5f, HealthyZMax = 0.6f, Threads = 1 };
        var env = new AntMaze(MazeLayout.BuiltIn("u_maze"), envs, seed: 4, settings);
        var layout = new EpisodeLayout(AntMaze.StateSize, AntMaze.ActionSize, 0, AntMaze.GoalSize);
        using var loop = new EnvironmentLoop(env, seed: 4, layout, "ant", refreshSteps: 10);
        var chunk = loop.Collect(() => (null, 1));

        Assert.Equal((long)envs * length, chunk.Episodes.Sum(e => (long)e.Length));
        Assert.True(chunk.Episodes.Length > envs, $"{chunk.Episodes.Length} episodes: none ended early");
        Assert.Equal(chunk.Episodes.Length, chunk.Episodes.Select(e => e.Id).Distinct().Count());
        var start = (settings.CellSize * 1.5f, settings.CellSize * 1.5f); // u_maze's start cell (1, 1)
        var unhealthyEnds = 0;
        foreach (var episode in chunk.Episodes)
        {
            Assert.InRange(episode.Length, 1, length);
            // Each begins at the start cell (plus reset noise), so no episode runs on from another's states.
            Assert.InRange(episode.States[0], start.Item1 - 0.11f, start.Item1 + 0.11f);
            Assert.InRange(episode.States[1], start.Item2 - 0.11f, start.Item2 + 0.11f);
            var finalHeight = episode.States[episode.Length * AntMaze.StateSize + 2];
            if (finalHeight < settings.HealthyZMin || finalHeight > settings.HealthyZMax) unhealthyEnds++;
        }
        // Every episode but each env's last ended by leaving the band; the last ones may have been cut at T.
        Assert.True(unhealthyEnds >= chunk.Episodes.Length - envs, $"{unhealthyEnds} of {chunk.Episodes.Length} episodes ended unhealthy");
        // Envs still inside an episode at T were reset, so the next chunk starts every env afresh.
        Assert.All(env.EpisodeSteps, t => Assert.Equal(0, t));
    }
}
