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
}
