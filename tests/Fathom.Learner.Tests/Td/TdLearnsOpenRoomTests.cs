using System.Diagnostics;
using Fathom.Learner.Envs;
using Fathom.Learner.Evaluation;
using Fathom.Learner.Td;
using Xunit.Abstractions;

namespace Fathom.Learner.Tests.Td;

public class TdLearnsOpenRoomTests(ITestOutputHelper output)
{
    /// <summary>A 3 x 3 room with no inner wall: one start cell in a corner, goals in the other eight cells.</summary>
    private const string OpenRoom = """
        #####
        #RGG#
        #GGG#
        #GGG#
        #####
        """;

    /// <summary>
    /// From a fixed seed, 15 rounds of one episode in 32 envs and 100 updates (1,500 updates of batch 256, width 64)
    /// take the deterministic policy from the random policy's time at goal to near the whole episode.
    /// </summary>
    [Theory]
    [InlineData("sac")]
    [InlineData("td3")]
    public void TdWithHerLearnsToReachAndStayAtGoalsInAnOpenRoom(string algorithm)
    {
        var layout = MazeLayout.Parse(OpenRoom, "open_room");
        var config = new TdConfig
        {
            StateDim = 2, ActionDim = 2, GoalDim = 2, GoalStart = 0, SuccessRadius = new PointMazeSettings().SuccessRadius,
            ActorWidth = 64, CriticWidth = 64, Seed = 3,
        };
        using TdAgent agent = algorithm == "sac" ? new SacAgent(config) : new Td3Agent(config);
        using var collectEnv = new PointMaze(layout, 32, seed: 5);
        var replay = new HerEpisodes(collectEnv, config.Gamma, finalGoalFraction: 0, seed: 7);
        EvaluationResult Evaluate(BatchPolicy policy)
        {
            using var env = new PointMaze(layout, 64, seed: 11);
            return PolicyEvaluation.Run(env, policy);
        }
        var random = Evaluate(RandomPolicy.Create(2, seed: 13));

        var clock = Stopwatch.StartNew();
        for (int round = 0; round < Rounds; round++)
        {
            replay.Collect((s, g) => agent.Act(s, g, deterministic: false));
            for (int u = 0; u < UpdatesPerRound; u++)
            {
                var (s, a, next, g) = replay.Batch(256);
                Assert.False(agent.Update(s, a, next, g).Skipped);
            }
            if (round % 5 == 4) output.WriteLine($"round {round + 1}: {clock.Elapsed.TotalSeconds:F0} s, time at goal {Evaluate((s, g) => agent.Act(s, g, true)).TimeAtGoalMean:F1}");
        }
        var trained = Evaluate((s, g) => agent.Act(s, g, deterministic: true));
        output.WriteLine($"random {random.TimeAtGoalMean:F1}, {algorithm} {trained.TimeAtGoalMean:F1} ± {trained.TimeAtGoalStdErr:F1} after {agent.UpdateCount} updates in {clock.Elapsed.TotalSeconds:F0} s");
        Assert.True(trained.TimeAtGoalMean > 3 * random.TimeAtGoalMean && trained.TimeAtGoalMean > 50,
            $"{algorithm} reached time at goal {trained.TimeAtGoalMean:F1} (random {random.TimeAtGoalMean:F1})");
    }

    private const int Rounds = 15, UpdatesPerRound = 100;
}
