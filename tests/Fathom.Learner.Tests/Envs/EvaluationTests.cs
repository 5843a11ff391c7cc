using Fathom.Learner.Envs;
using Fathom.Learner.Evaluation;

namespace Fathom.Learner.Tests.Envs;

public class EvaluationTests
{
    public static TheoryData<string> Layouts => new(MazeLayout.BuiltInNames);

    [Theory]
    [MemberData(nameof(Layouts))]
    public void GeodesicPolicyReachesEveryGoalAndStaysThere(string name)
    {
        using var env = new PointMaze(MazeLayout.BuiltIn(name), 48, seed: 1);
        var result = PolicyEvaluation.Run(env, GeodesicPolicy.Create(env));
        Assert.Equal(1.0, result.SuccessAny);
        Assert.True(result.TimeAtGoalMean > 45, $"{name}: oracle time at goal {result.TimeAtGoalMean}");
        Assert.True(result.MeanFinalDistance < 0.5, $"{name}: oracle final distance {result.MeanFinalDistance}");
    }

    [Theory]
    [InlineData("u_maze_eval")]
    [InlineData("u4_maze_eval")]
    [InlineData("u5_maze_eval")]
    [InlineData("hardest_maze")]
    public void RandomPolicyScoresLowTimeAtGoal(string name)
    {
        var random = ReferenceFigures.Random(name, numEnvs: 128, seed: 0);
        var oracle = ReferenceFigures.Oracle(name, numEnvs: 16, seed: 0);
        Assert.True(random.TimeAtGoalMean < 10, $"{name}: random time at goal {random.TimeAtGoalMean}");
        Assert.True(random.TimeAtGoalMean < oracle.TimeAtGoalMean / 4);
        Assert.True(random.MeanFinalDistance > oracle.MeanFinalDistance + 1);
        Assert.True(random.SuccessAny < 0.25, $"{name}: random success-any {random.SuccessAny}");
    }

    [Fact]
    public void EvaluationIsDeterministicForAFreshlySeededEnv()
    {
        var first = ReferenceFigures.Random("u_maze", numEnvs: 32, seed: 5);
        var second = ReferenceFigures.Random("u_maze", numEnvs: 32, seed: 5);
        var other = ReferenceFigures.Random("u_maze", numEnvs: 32, seed: 6);
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void StandardErrorAndSuccessAnyFollowTheirDefinitions()
    {
        // Half the envs sit still at the start, half follow the oracle: success-any must be about a half and the
        // standard error large, because time at goal is 0 for one half and high for the other.
        using var env = new PointMaze(MazeLayout.BuiltIn("u_maze_eval"), 20, seed: 2);
        var oracle = GeodesicPolicy.Create(env);
        var half = TorchSharp.torch.tensor(Enumerable.Range(0, 20).Select(i => i % 2 == 0 ? 1f : 0f).ToArray()).unsqueeze(1);
        var result = PolicyEvaluation.Run(env, (s, g) => oracle(s, g).mul(half));
        Assert.Equal(0.5, result.SuccessAny);
        var perEnvHigh = result.TimeAtGoalMean * 2;
        var expectedStdErr = Math.Sqrt(20 * Math.Pow(perEnvHigh / 2, 2) / 19 / 20);
        Assert.InRange(result.TimeAtGoalStdErr, expectedStdErr * 0.8, expectedStdErr * 1.2);
    }

    [Fact]
    public void AnEpisodeThatEndsEarlyCountsNothingAfterItsEndAndKeepsTheDistanceItEndedAt()
    {
        // Env 0 ends its episode at its second step (an Ant falling), env 1 runs all five; both are always "at goal",
        // and an env's goal-slice distance is the number of steps of its current episode.
        using var env = new ScriptedEnv(endsAt: [2, 5], length: 5);
        var result = PolicyEvaluation.Run(env, (states, _) => TorchSharp.torch.zeros(states.shape[0], 1));
        Assert.Equal(3.5, result.TimeAtGoalMean, 6); // (2 + 5) / 2: env 0's steps after its end do not count
        Assert.Equal(3.5, result.MeanFinalDistance, 6); // env 0 ended 2 from its goal, env 1 5
        Assert.Equal(1.5, result.FinalDistanceStdErr, 6); // sample std of {2, 5} is 1.5·√2, over √2 envs
        Assert.Equal(1.0, result.SuccessAny);
    }

    /// <summary>A batch whose env i ends its episodes every endsAt[i] steps; its x is the step count within the episode.</summary>
    private sealed class ScriptedEnv(int[] endsAt, int length) : IGoalEnv
    {
        private readonly int[] _time = new int[endsAt.Length];

        public int NumEnvs => endsAt.Length;
        public int StateDim => 2;
        public int ActionDim => 1;
        public int GoalDim => 2;
        public int GoalStart => 0;
        public float SuccessRadius => 1e6f;
        public int EpisodeLength => length;
        public TorchSharp.torch.Device Device => TorchSharp.torch.CPU;
        public TorchSharp.torch.Tensor States => Positions();
        public TorchSharp.torch.Tensor Goals => TorchSharp.torch.zeros(NumEnvs, 2);

        public void Reset(TorchSharp.torch.Tensor? mask = null) => Array.Clear(_time);

        public EnvStep Step(TorchSharp.torch.Tensor actions)
        {
            for (var i = 0; i < NumEnvs; i++) _time[i]++;
            var next = Positions();
            var done = _time.Select((t, i) => t == endsAt[i]).ToArray();
            for (var i = 0; i < NumEnvs; i++)
                if (done[i]) _time[i] = 0;
            return new EnvStep(next, Goals, TorchSharp.torch.ones(NumEnvs, dtype: TorchSharp.torch.ScalarType.Bool), TorchSharp.torch.tensor(done));
        }

        private TorchSharp.torch.Tensor Positions() =>
            TorchSharp.torch.tensor(_time.SelectMany(t => new[] { (float)t, 0f }).ToArray(), [NumEnvs, 2]);

        public void Dispose()
        {
        }
    }
}
