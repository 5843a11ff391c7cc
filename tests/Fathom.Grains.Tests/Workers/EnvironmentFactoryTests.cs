using Fathom.Grains.Specs;
using Fathom.Grains.Workers;
using Fathom.Learner.Envs;

namespace Fathom.Grains.Tests.Workers;

public sealed class EnvironmentFactoryTests
{
    [Theory]
    [InlineData(EnvironmentFactory.PointMaze, typeof(PointMaze), 2)]
    [InlineData(EnvironmentFactory.AntMaze, typeof(AntMaze), 29)]
    public void Each_kind_builds_its_env_and_the_layout_worked_out_from_the_spec_is_the_one_it_has(string kind, Type type, int stateDim)
    {
        var spec = WorkerParts.Spec.Environment with { Kind = kind, EpisodeLength = 30 };
        using var train = EnvironmentFactory.Train(spec, numEnvs: 2, seed: 0);
        using var eval = EnvironmentFactory.Eval(spec, numEnvs: 1, seed: 0);
        var layout = EnvironmentFactory.Layout(spec);
        Assert.IsType(type, train);
        Assert.IsType(type, eval);
        Assert.Equal(stateDim, layout.StateDim);
        Assert.Equal(30, train.EpisodeLength);
        Assert.Equal(spec.TrainLayout, train.Layout.Name);
        Assert.Equal(spec.EvalLayout, eval.Layout.Name);
        Assert.Equal((train.StateDim, train.ActionDim, train.GoalStart, train.GoalDim), (layout.StateDim, layout.ActionDim, layout.GoalStart, layout.GoalDim));
    }

    [Fact]
    public void An_unknown_kind_is_refused_naming_the_kinds_there_are()
    {
        var spec = WorkerParts.Spec with { Environment = WorkerParts.Spec.Environment with { Kind = "humanoid" } };
        var errors = SpecValidator.Validate(spec);
        Assert.Contains(errors, e => e.Contains("environment.kind") && e.Contains("humanoid") && e.Contains("point_maze, ant_maze"));
    }
}
