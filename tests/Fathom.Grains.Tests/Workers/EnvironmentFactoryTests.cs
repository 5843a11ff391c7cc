using Fathom.Grains.Specs;
using Fathom.Grains.Workers;
using Fathom.Grains.Tests.Specs;
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

    [Theory]
    [InlineData(EnvironmentFactory.PointMaze, 1.0)]
    [InlineData(EnvironmentFactory.AntMaze, 4.0)]
    public void A_spec_cell_size_scales_the_maze_and_left_out_the_env_keeps_its_own(string kind, double own)
    {
        var spec = SpecLoader.ParseYaml(SpecLoaderTests.Minimal.Replace("eval_layout: u_maze_eval }", $"eval_layout: u_maze_eval, kind: {kind} }}"));
        Assert.Null(spec.Environment.CellSize);
        using (var kept = EnvironmentFactory.Train(spec.Environment, numEnvs: 1, seed: 0))
            Assert.Equal(own, kept.CellSize, 6);

        var scaled = SpecLoader.ParseYaml(SpecLoaderTests.Minimal.Replace("eval_layout: u_maze_eval }", $"eval_layout: u_maze_eval, kind: {kind}, cell_size: 2.5 }}"));
        Assert.Equal(2.5, scaled.Environment.CellSize);
        using var train = EnvironmentFactory.Train(scaled.Environment, numEnvs: 1, seed: 0);
        using var eval = EnvironmentFactory.Eval(scaled.Environment, numEnvs: 1, seed: 0);
        Assert.Equal(2.5, train.CellSize, 6);
        Assert.Equal(2.5, eval.CellSize, 6);
        // u_maze from the start cell's centre to the goal cell's below the wall: 1 + 2 sqrt(2.5) cells (docs/environments.md).
        Assert.Equal(2.5 * (1 + 2 * Math.Sqrt(2.5)), train.Geodesic.Distance(1.5 * 2.5, 1.5 * 2.5, 1.5 * 2.5, 3.5 * 2.5), 3);
    }

    [Theory]
    [InlineData("0", "(got 0)")]
    [InlineData("-2", "(got -2)")]
    [InlineData("1001", "(got 1001)")]
    public void A_cell_size_out_of_range_is_refused_naming_the_field_the_value_and_the_default(string value, string got)
    {
        var error = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(
            SpecLoaderTests.Minimal.Replace("eval_layout: u_maze_eval }", $"eval_layout: u_maze_eval, kind: ant_maze, cell_size: {value} }}")));
        Assert.Contains(error.Errors, e => e.StartsWith("environment.cell_size:") && e.Contains("(0, 1000]") && e.Contains("ant_maze's own 4") && e.Contains(got));
    }

    [Fact]
    public void An_unknown_kind_is_refused_naming_the_kinds_there_are()
    {
        var spec = WorkerParts.Spec with { Environment = WorkerParts.Spec.Environment with { Kind = "humanoid" } };
        var errors = SpecValidator.Validate(spec);
        Assert.Contains(errors, e => e.Contains("environment.kind") && e.Contains("humanoid") && e.Contains("point_maze, ant_maze"));
    }

    [Fact]
    public void A_bad_cell_size_with_an_unknown_kind_names_each_kinds_default()
    {
        var spec = WorkerParts.Spec with { Environment = WorkerParts.Spec.Environment with { Kind = "humanoid", CellSize = -2 } };
        var error = Assert.Single(SpecValidator.Validate(spec), e => e.StartsWith("environment.cell_size:"));
        Assert.Contains("the kind's own (point_maze 1, ant_maze 4)", error);
        Assert.DoesNotContain("humanoid", error);
    }
}
