using Fathom.Grains.Specs;
using Fathom.Grains.Stores;
using Fathom.Grains.Workers;
using static Fathom.Grains.Tests.Specs.SpecLoaderTests;

namespace Fathom.Grains.Tests.Specs;

/// <summary>Specs that would start and then fail, or never train, are refused before anything starts, naming the field.</summary>
public sealed class SpecRefusalTests
{
    private static IReadOnlyList<string> Refused(string yaml) => Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(yaml)).Errors;

    private static string WithReplay(string replay) => Minimal + $"\nreplay: {{ {replay} }}\n";

    [Fact]
    public void A_replay_shard_smaller_than_one_episode_is_refused()
    {
        // Episodes are 100 transitions long; 4 shards of 399 / 4 = 99 cannot hold one.
        var error = Assert.Single(Refused(WithReplay("shards: 4, capacity: 399")));
        Assert.StartsWith("replay.capacity:", error);
        Assert.Contains("4 replay.shards", error);
        Assert.Contains("at least 400", error);
        Assert.Contains("got 399", error);
        Assert.Equal(400, SpecLoader.ParseYaml(WithReplay("shards: 4, capacity: 400")).Replay.CapacityTransitions);
    }

    [Fact]
    public void A_budget_below_min_transitions_is_refused()
    {
        var error = Assert.Single(Refused(Minimal.Replace("env_steps: 1000", "env_steps: 255")));
        Assert.StartsWith("budget.env_steps:", error);
        Assert.Contains("replay.min_transitions (256)", error);
        Assert.Contains("got 255", error);
        Assert.Equal(256, SpecLoader.ParseYaml(Minimal.Replace("env_steps: 1000", "env_steps: 256")).BudgetEnvSteps);
    }

    [Fact]
    public void A_replay_capacity_beyond_the_stores_limit_is_refused()
    {
        var error = Assert.Single(Refused(WithReplay($"capacity: {(1L << 40) + 1}")));
        Assert.StartsWith("replay.capacity:", error);
        Assert.Contains($"[1, {1L << 40}]", error);
    }

    [Fact]
    public void A_collector_whose_chunk_buffer_overflows_is_refused_with_the_most_envs_it_may_run()
    {
        var spec = SpecLoader.ParseYaml(Minimal);
        var layout = EnvironmentFactory.Layout(spec.Environment);
        const int length = 1100;
        var perEnv = EnvironmentLoop.ChunkBufferFloats(1, length, layout);
        var most = (int)(Array.MaxLength / perEnv);
        var fits = spec with { Environment = spec.Environment with { EpisodeLength = length }, Collectors = [spec.Collectors[0] with { Envs = most }] };
        Assert.Empty(SpecValidator.Validate(fits));
        Assert.True(EnvironmentLoop.ChunkBufferFloats(most + 1, length, layout) > int.MaxValue - 64, "one more env overflows the buffer");

        var error = Assert.Single(Refused(Minimal.Replace("envs: 8", $"envs: {most + 1}").Replace("eval_layout: u_maze_eval", $"eval_layout: u_maze_eval, episode_length: {length}")));
        Assert.StartsWith("collectors[0].envs:", error);
        Assert.Contains($"at most {most} with environment.episode_length = {length}", error);
        Assert.Contains($"got {most + 1}", error);
    }

    [Fact]
    public void Networks_too_large_for_memory_are_refused_with_the_estimate()
    {
        var text = Minimal.Replace("- { name: actor, role: behaviour }", "- { name: actor, role: behaviour, actor: { depth: 4096, width: 16384 }, critic: { depth: 4096, width: 16384 } }");
        var error = Assert.Single(Refused(text));
        Assert.StartsWith("learners[0]:", error);
        var spec = SpecLoader.ParseYaml(Minimal);
        var huge = spec.Learners[0] with { Actor = new NetSpec(4096, 16384), Critic = new NetSpec(4096, 16384) };
        var layout = EnvironmentFactory.Layout(spec.Environment);
        long parameters = RunMemory.ActorParameters(huge, layout) + RunMemory.CriticParameters(huge, layout);
        Assert.True(parameters > 3L * 4096 * 16384 * 16384, "the estimate counts every block of actor and both critic encoders");
        Assert.Contains($"which take {RunMemory.Mb(12 * parameters)}", error);
        Assert.Contains(RunMemory.Mb(SpecValidator.MaxLearnerBytes), error);

        // The paper's largest networks (depth 1024 at width 256, and width 4096 at depth 4) pass.
        var deep = spec with { Learners = [spec.Learners[0] with { Actor = new NetSpec(1024, 256), Critic = new NetSpec(1024, 256) }] };
        var wide = spec with { Learners = [spec.Learners[0] with { Actor = new NetSpec(4, 4096), Critic = new NetSpec(4, 4096) }] };
        Assert.Empty(SpecValidator.Validate(deep));
        Assert.Empty(SpecValidator.Validate(wide));
    }

    [Fact]
    public void A_spec_built_in_code_is_held_to_the_same_size_rules_as_a_loaded_one()
    {
        var spec = SpecLoader.ParseYaml(Minimal);
        var coded = spec with { Replay = spec.Replay with { Shards = 4, CapacityTransitions = 399 } };
        Assert.Equal(Refused(WithReplay("shards: 4, capacity: 399")), SpecValidator.Validate(coded));
        var deep = spec with { Learners = [spec.Learners[0] with { Actor = new NetSpec(40000, 256) }] };
        Assert.Contains(SpecValidator.Validate(deep), e => e.StartsWith("learners[0].actor.depth:") && e.Contains("up to 4096") && e.Contains("got 40000"));
    }

    [Fact]
    public void Duplicate_keys_in_json_are_refused_naming_the_field()
    {
        var json = """
            { "seed": 1, "environment": { "train_layout": "u_maze", "eval_layout": "u_maze_eval", "train_layout": "u4_maze" },
              "budget": { "env_steps": 1000 }, "collectors": [ { "behaviour": "actor" } ],
              "learners": [ { "name": "actor", "role": "behaviour" } ], "seed": 2 }
            """;
        var errors = Assert.Throws<SpecException>(() => SpecLoader.ParseJson(json)).Errors;
        Assert.Contains("seed: is given more than once; give each field once", errors);
        Assert.Contains("environment.train_layout: is given more than once; give each field once", errors);
        Assert.Equal(2, errors.Count);
    }

    [Fact]
    public void Duplicate_keys_in_yaml_are_refused_naming_the_field()
    {
        Assert.Equal("seed: is given more than once; give each field once", Assert.Single(Refused(Minimal.Replace("seed: 3", "seed: 3\nseed: 4"))));
        var nested = Assert.Single(Refused(Minimal.Replace("envs: 8 }", "envs: 8, envs: 9 }")));
        Assert.StartsWith("collectors[0].envs: is given more than once", nested);
    }

    [Fact]
    public void Yaml_aliases_and_deep_nesting_are_refused_before_they_can_grow()
    {
        var alias = Assert.Single(Refused(Minimal.Replace("seed: 3", "seed: &s 3\nbig: [*s, *s]")));
        Assert.StartsWith("(document): not a valid spec document:", alias);
        Assert.Contains("big[0]: aliases (*s) are not allowed", alias);
        var deep = Assert.Single(Refused(Minimal + "\nbig: " + new string('[', 100_000) + new string(']', 100_000) + "\n"));
        Assert.Contains("big" + string.Concat(Enumerable.Repeat("[0]", 16)) + ": nested deeper than 16 levels", deep);
    }

    [Fact]
    public void A_spec_file_too_large_to_be_a_spec_is_refused_unread()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("fathom-spec").FullName, "huge.yaml");
        try
        {
            File.WriteAllText(path, Minimal + "\n#" + new string(' ', (int)SpecLoader.MaxFileBytes));
            var error = Assert.Single(Assert.Throws<SpecException>(() => SpecLoader.LoadFile(path)).Errors);
            Assert.StartsWith($"spec: the file must be at most {SpecLoader.MaxFileBytes} bytes", error);
            File.WriteAllText(path, Minimal);
            Assert.Equal(3, SpecLoader.LoadFile(path).Seed);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(path)!, recursive: true);
        }
    }

    [Theory]
    [InlineData("")]
    [InlineData("---")]
    [InlineData("- a\n- b")]
    [InlineData("? [a]\n: b")]
    [InlineData("{ seed: 1, seed: 2 }")]
    [InlineData("seed: [")]
    [InlineData("%YAML 1.2\n---\nseed: 1\n...\n---\n")]
    [InlineData("a: &x { b: 1 }\nc: *x")]
    [InlineData("seed: !!binary aGk=")]
    public void An_odd_yaml_document_is_refused_as_a_spec_error_never_another_exception(string yaml)
    {
        var errors = Refused(yaml);
        Assert.NotEmpty(errors);
        Assert.All(errors, e => Assert.Matches(@"^[a-z_\[\]0-9.()]+: ", e));
    }

    [Fact]
    public void A_second_yaml_document_is_refused()
    {
        var error = Assert.Single(Refused(Minimal + "\n---\nseed: 5\n"));
        Assert.StartsWith("(document): holds 2 YAML documents", error);
    }

    [Fact]
    public void A_layout_file_travels_inside_the_spec_so_the_silos_need_no_file()
    {
        var folder = Directory.CreateTempSubdirectory("fathom-layout").FullName;
        var maze = "#######\n#R...G#\n#######\n";
        var file = Path.Combine(folder, "corridor.txt");
        File.WriteAllText(file, maze);
        var spec = SpecLoader.ParseYaml(Minimal.Replace("train_layout: u_maze,", $"train_layout: '{file}',"));
        Directory.Delete(folder, recursive: true);

        // The file is gone, as it is on a silo of another machine: the spec holds the maze itself.
        Assert.Equal(maze, spec.Environment.TrainLayout);
        Assert.Empty(SpecValidator.Validate(spec));
        using (var env = EnvironmentFactory.Train(spec.Environment, numEnvs: 1, seed: 0)) Assert.Equal(7, env.Layout.Columns);
        // Written to the run's folder and read back (a resume), it is the same maze.
        Assert.Equal(maze, SpecLoader.ParseYaml(SpecWriter.Write(spec)).Environment.TrainLayout);
    }

    [Fact]
    public void A_layout_may_be_written_into_the_spec_and_is_checked_there()
    {
        var inline = Minimal.Replace("train_layout: u_maze,", "train_layout: \"#####\\n#R.G#\\n#####\",");
        Assert.Equal("#####\n#R.G#\n#####", SpecLoader.ParseYaml(inline).Environment.TrainLayout);

        var error = Assert.Single(Refused(inline.Replace("#R.G#", "#R.X#")));
        Assert.StartsWith("environment.train_layout: the layout does not parse:", error);
        Assert.Contains("unknown character 'X'", error);
    }

    [Fact]
    public void A_spec_built_in_code_with_a_path_the_silo_does_not_have_is_refused()
    {
        var spec = SpecLoader.ParseYaml(Minimal);
        var missing = spec with { Environment = spec.Environment with { EvalLayout = "/nowhere/maze.txt" } };
        var error = Assert.Single(SpecValidator.Validate(missing));
        Assert.StartsWith("environment.eval_layout:", error);
        Assert.Contains("the maze itself", error);
    }

    [Fact]
    public void A_layout_file_that_does_not_parse_is_refused_with_the_reason()
    {
        var folder = Directory.CreateTempSubdirectory("fathom-layout").FullName;
        try
        {
            var good = Path.Combine(folder, "good.txt");
            File.WriteAllText(good, "#####\n#R.G#\n#####\n");
            var bad = Path.Combine(folder, "bad.txt");
            File.WriteAllText(bad, "#####\n#R.X#\n#####\n");
            Assert.Equal("#####\n#R.G#\n#####\n", SpecLoader.ParseYaml(Minimal.Replace("train_layout: u_maze,", $"train_layout: '{good}',")).Environment.TrainLayout);

            var error = Assert.Single(Refused(Minimal.Replace("eval_layout: u_maze_eval", $"eval_layout: '{bad}'")));
            Assert.StartsWith("environment.eval_layout: the layout file does not parse:", error);
            Assert.Contains("unknown character 'X' at row 2, column 4", error);
            Assert.Contains($"got '{bad}'", error);

            var huge = Path.Combine(folder, "huge.txt");
            File.WriteAllText(huge, new string('#', (int)SpecValidator.MaxLayoutFileBytes + 1));
            var tooLarge = Assert.Single(Refused(Minimal.Replace("train_layout: u_maze,", $"train_layout: '{huge}',")));
            Assert.StartsWith("environment.train_layout: the layout file must be at most", tooLarge);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
