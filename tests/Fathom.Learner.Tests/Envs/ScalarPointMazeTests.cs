using Fathom.Learner.Envs;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Envs;

/// <summary>The tensor env and the plain C# loop are two statements of the same rules: same trajectories.</summary>
public class ScalarPointMazeTests
{
    [Theory]
    [InlineData("big_maze", 0.5f)]
    [InlineData("hardest_maze", 1.7f)]
    public void TensorEnvAndScalarLoopAgree(string name, float stepSize)
    {
        const int numEnvs = 300;
        var settings = new PointMazeSettings { EpisodeLength = 50, StepSize = stepSize, SuccessRadius = Math.Max(0.5f, stepSize) };
        var layout = MazeLayout.BuiltIn(name);
        using var env = new PointMaze(layout, numEnvs, seed: 77, settings);
        var scalar = new ScalarPointMaze(layout, numEnvs, seed: 77, settings);
        var generator = new Generator(1);
        for (var t = 0; t < 120; t++)
        {
            using var scope = NewDisposeScope();
            var actions = rand([numEnvs, 2], generator: generator).mul(Scalars.Of(3L)).sub(Scalars.Of(1.5));
            if (t == 7) actions[0, 0] = tensor(float.NaN);
            var step = env.Step(actions);
            scalar.Step(actions.data<float>().ToArray());

            Assert.Equal(scalar.Positions, env.States.data<float>().ToArray());
            Assert.Equal(scalar.Goals, env.Goals.data<float>().ToArray());
            Assert.Equal(scalar.Done, step.Done.data<bool>().ToArray());
            var success = step.Success.data<bool>().ToArray();
            var distance = step.NextStates.sub(step.Goals).norm(1).data<float>().ToArray();
            for (var i = 0; i < numEnvs; i++)
                if (Math.Abs(distance[i] - settings.SuccessRadius) > 1e-5) Assert.Equal(scalar.Success[i], success[i]);
        }
    }
}
