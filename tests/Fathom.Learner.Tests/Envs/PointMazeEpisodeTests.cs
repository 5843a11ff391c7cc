using Fathom.Learner.Envs;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Envs;

public class PointMazeEpisodeTests
{
    [Fact]
    public void SameSeedAndActionsGiveTheSameTrajectoryWithOneAndWithAThousandEnvs()
    {
        var settings = new PointMazeSettings { EpisodeLength = 40 };
        var layout = MazeLayout.BuiltIn("big_maze");
        using var single = new PointMaze(layout, 1, seed: 42, settings);
        using var many = new PointMaze(layout, 1000, seed: 42, settings);
        var generator = new Generator(9);
        var other = new Generator(10);
        AssertRowEqual(single.States, many.States);
        AssertRowEqual(single.Goals, many.Goals);
        for (var t = 0; t < 130; t++)  // crosses three auto resets
        {
            using var scope = NewDisposeScope();
            var a0 = rand([1, 2], generator: generator).mul(Scalars.Of(2.4)).sub(Scalars.Of(1.2));
            var aMany = cat([a0, rand([999, 2], generator: other).mul(Scalars.Of(2L)).sub(Scalars.Of(1L))], 0);
            var s1 = single.Step(a0);
            var sN = many.Step(aMany);
            AssertRowEqual(s1.NextStates, sN.NextStates);
            AssertRowEqual(s1.Goals, sN.Goals);
            Assert.Equal(s1.Success[0].item<bool>(), sN.Success[0].item<bool>());
            Assert.Equal(s1.Done[0].item<bool>(), sN.Done[0].item<bool>());
            AssertRowEqual(single.States, many.States);
        }
    }

    [Fact]
    public void DifferentSeedsGiveDifferentStartsAndGoals()
    {
        var layout = MazeLayout.BuiltIn("big_maze");
        using var a = new PointMaze(layout, 64, seed: 1);
        using var b = new PointMaze(layout, 64, seed: 2);
        Assert.False(a.Goals.eq(b.Goals).all().item<bool>());
        Assert.False(a.States.eq(b.States).all().item<bool>());
    }

    [Fact]
    public void TensorRandomNumbersEqualTheScalarForm()
    {
        using var index = arange(0, 50, dtype: ScalarType.Int64);
        using var episode = index.mul(Scalars.Of(7L)).add(Scalars.Of(3L));
        var draws = CounterRandom.Uniform(-123456789012, index, episode, 4);
        Assert.Equal(4, draws.Length);
        var values = draws.SelectMany(d => d.data<float>().ToArray()).ToArray();
        for (var s = 0; s < 4; s++)
            for (var i = 0; i < 50; i++)
                Assert.Equal(CounterRandom.Uniform(-123456789012, i, 7 * i + 3, s), values[s * 50 + i]);
        Assert.InRange(values.Average(), 0.35, 0.65);
        Assert.Equal(values.Length, values.Distinct().Count());
    }

    [Fact]
    public void EpisodesEndAtTheirLengthExposingTheFinalStateThenReset()
    {
        var settings = new PointMazeSettings { EpisodeLength = 5, StartNoise = 0.1f };
        using var env = new PointMaze(MazeLayout.BuiltIn("u_maze"), 8, seed: 7, settings);
        using var right = full(8, 2, 1f);
        using var beforeReset = NewDisposeScope();
        EnvStep? last = null;
        for (var t = 1; t <= 5; t++)
        {
            last = env.Step(right);
            Assert.Equal(t == 5, last.Done.all().item<bool>());
            Assert.Equal(t == 5, last.Done.any().item<bool>());
        }
        // Final state s_T: moved right from the start cell (col 1) into the corridor end (col 3).
        Assert.True(last!.NextStates.select(1, 0).gt(Scalars.Of(3f)).all().item<bool>());
        // After the automatic reset every env is back in the start cell, step counter zero.
        var x = env.States.select(1, 0);
        Assert.True(x.ge(Scalars.Of(1.4f)).logical_and(x.le(Scalars.Of(1.6f))).all().item<bool>());
        Assert.Equal(0, env.EpisodeSteps.sum().item<long>());
    }

    [Fact]
    public void MaskedResetOnlyTouchesTheChosenEnvs()
    {
        using var env = new PointMaze(MazeLayout.BuiltIn("u_maze"), 4, seed: 7);
        using var right = full(4, 2, 1f);
        env.Step(right).Dispose();
        env.Step(right).Dispose();
        using var mask = tensor(new[] { true, false, true, false });
        env.Reset(mask);
        Assert.Equal(new[] { 0, 2, 0, 2 }, env.EpisodeSteps.data<int>().ToArray());
    }

    [Fact]
    public void SuccessMeansWithinTheRadiusOfTheGoal()
    {
        using var env = new PointMaze(MazeLayout.BuiltIn("u_maze"), 64, seed: 4);
        var oracle = GeodesicPolicy.Create(env);
        var successes = 0L;
        for (var t = 0; t < 20; t++)
        {
            using var scope = NewDisposeScope();
            var step = env.Step(oracle(env.States, env.Goals));
            var distance = step.NextStates.sub(step.Goals).norm(1);
            Assert.True(step.Success.eq(distance.lt(Scalars.Of(0.5f))).all().item<bool>());
            successes += step.Success.sum().item<long>();
        }
        Assert.InRange(successes, 1, 64 * 20 - 1);
    }

    [Fact]
    public void AnEnvBuiltInsideADisposeScopeOutlivesIt()
    {
        PointMaze env;
        using (NewDisposeScope()) env = new PointMaze(MazeLayout.BuiltIn("u_maze"), 4, seed: 7);
        using (env)
        using (NewDisposeScope())
        {
            var step = env.Step(full(4, 2, 1f));
            Assert.True(step.NextStates.select(1, 0).gt(Scalars.Of(1.5f)).all().item<bool>());
        }
    }

    [Fact]
    public void WrongActionShapeIsNamed()
    {
        using var env = new PointMaze(MazeLayout.BuiltIn("u_maze"), 4, seed: 7);
        using var bad = zeros(3, 2);
        var error = Assert.Throws<ArgumentException>(() => env.Step(bad));
        Assert.Equal("actions", error.ParamName);
    }

    private static void AssertRowEqual(Tensor one, Tensor many)
    {
        var a = one.data<float>().ToArray();
        var b = many[0].data<float>().ToArray();
        Assert.Equal(a, b);
        one.Dispose();
        many.Dispose();
    }
}
