using Fathom.Grains.Specs;

namespace Fathom.Grains.Tests.Specs;

/// <summary>The spec writer and the loader, both driven by <see cref="SpecSchema"/>: what is written reads back exactly.</summary>
public sealed class SpecWriterTests
{
    private const string Minimal = """
        environment: { train_layout: u_maze, eval_layout: u_maze_eval }
        budget: { env_steps: 1000 }
        collectors: [ { behaviour: a } ]
        learners: [ { name: a, role: behaviour } ]
        """;

    [Fact]
    public void Every_preset_round_trips_through_the_written_yaml()
    {
        Assert.NotEmpty(Presets.Names);
        foreach (var name in Presets.Names)
        {
            var spec = Presets.Load(name);
            var yaml = SpecWriter.Write(spec);
            var again = SpecLoader.ParseYaml(yaml);
            Assert.Equal(yaml, SpecWriter.Write(again));
            Assert.Equal(spec.Learners, again.Learners);
            Assert.Equal(spec.Collectors, again.Collectors);
            Assert.Equal(spec, again with { Learners = spec.Learners, Collectors = spec.Collectors });
        }
    }

    /// <summary>A spec whose every field differs from the loader's default, two of each list, every optional field set.</summary>
    private static ExperimentSpec Unusual() => SpecLoader.ParseYaml("""
        seed: 42
        environment: { kind: ant_maze, train_layout: u5_maze, eval_layout: u5_maze_eval, episode_length: 250, cell_size: 2.5 }
        budget: { env_steps: 98_765 }
        collectors:
          - { per_silo: 3, envs: 32, behaviour: first, weight_refresh_steps: 7, device: auto }
          - { count: 2, envs: 16, behaviour: first, weight_refresh_steps: 5, device: cuda }
        learners:
          - name: first
            batch: 128
            role: behaviour
            algorithm: td3
            final_goal_fraction: 0.25
            learning_rate: 1e-3
            actor: { depth: 8, width: 64 }
            samples_per_insert: 2.5
            critic: { depth: 12, width: 96 }
            ablations: { layer_norm: false, swish: false, residual: false }
            gamma: 0.9
            energy: dot
            contrastive_loss: backward_infonce
            logsumexp_penalty: 0.25
            repr_dim: 48
            target_entropy_per_action_dim: -1.5
            rate_limiter_error_buffer: 12345.5
            device: cuda:1
          - { name: second-one, role: passive, batch: 64, gamma: 1, energy: negative_squared_l2, contrastive_loss: binary_nce,
              logsumexp_penalty: 0, repr_dim: 1, target_entropy_per_action_dim: 0.30000000000000004, rate_limiter_error_buffer: 5000, device: cpu }
        replay: { shards: 3, capacity: 123_456, min_transitions: 789 }
        evaluation: { period_updates: 333, episodes: 17 }
        checkpoint: { period_updates: 444 }
        """);

    [Fact]
    public void A_spec_with_no_default_anywhere_round_trips_equal()
    {
        var spec = Unusual();
        var yaml = SpecWriter.Write(spec);
        var again = SpecLoader.ParseYaml(yaml);
        Assert.Equal(spec.Learners, again.Learners);
        Assert.Equal(spec.Collectors, again.Collectors);
        Assert.Equal(spec, again with { Learners = spec.Learners, Collectors = spec.Collectors });
        Assert.Contains("    energy: dot", yaml);
        Assert.Contains("    contrastive_loss: binary_nce", yaml);
        Assert.Contains("    actor: { depth: 8, width: 64 }", yaml);
    }

    [Fact]
    public void Every_schema_field_is_both_written_and_read()
    {
        var unusual = SpecSchema.Leaves(Unusual()).ToDictionary();
        var defaults = SpecSchema.Leaves(SpecLoader.ParseYaml(Minimal)).ToDictionary();
        // The unusual spec moves every field off its default (the first of each list; required fields differ too) ...
        Assert.True(defaults.Count > 30, $"only {defaults.Count} fields");
        // Except the role the minimal spec must set (learners[1] is passive).
        Assert.All(defaults.Where(field => field.Key is not "learners[0].role"), field => Assert.NotEqual(field.Value, unusual[field.Key]));
        Assert.NotEqual(defaults["learners[0].role"], unusual["learners[1].role"]);
        // ... so a field the writer left out, or the reader skipped, would come back as its default.
        var yaml = SpecWriter.Write(Unusual());
        // A group gives count or per_silo, never both: the one it does not give is left out (and said in a comment).
        Assert.Equal(["collectors[0].count", "collectors[1].per_silo"], SpecLoader.FieldsLeftOut(yaml));
        Assert.Equal(unusual, SpecSchema.Leaves(SpecLoader.ParseYaml(yaml)).ToDictionary());
        // The reader asks for exactly the schema's fields: each left out of the minimal spec is a schema leaf (or holds some).
        Assert.All(SpecLoader.FieldsLeftOut(Minimal), path => Assert.Contains(defaults.Keys, leaf => leaf == path || leaf.StartsWith(path + ".")));
    }

    [Fact]
    public void A_field_built_in_code_is_refused_with_the_same_words_as_one_loaded()
    {
        var spec = SpecLoader.ParseYaml(Minimal);
        var coded = spec with { Learners = [spec.Learners[0] with { Batch = 1, Critic = new NetSpec(6, 32) }], Replay = spec.Replay with { Shards = 0 } };
        var loaded = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(Minimal.Replace("role: behaviour", "role: behaviour, batch: 1, critic: { depth: 6, width: 32 }")
            + "\nreplay: { shards: 0 }\n")).Errors;
        var built = SpecValidator.Validate(coded);
        foreach (var path in new[] { "learners[0].batch:", "learners[0].critic.depth:", "replay.shards:" })
        {
            var error = Assert.Single(built, e => e.StartsWith(path));
            Assert.Contains(error, loaded);
        }
        Assert.Contains("learners[0].batch: must be an integer in [2, 65536] (in-batch negatives need at least two; got 1)", built);
        Assert.Contains("replay.shards: must be an integer in [1, 1024] (got 0)", built);
    }

    [Fact]
    public void A_bad_type_is_named_once_with_what_is_allowed()
    {
        var error = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(Minimal.Replace("env_steps: 1000", "env_steps: lots")
            .Replace("role: behaviour", "role: behaviour, batch: 99999999999, gamma: [1], actor: 4")));
        Assert.Contains("budget.env_steps: must be a positive integer (got lots)", error.Errors);
        Assert.Contains("learners[0].batch: must be an integer in [2, 65536] (got 99999999999)", error.Errors);
        Assert.Contains("learners[0].gamma: must be a finite number (got a non-scalar)", error.Errors);
        Assert.Contains("learners[0].actor: must be a mapping of fields", error.Errors);
        foreach (var path in new[] { "budget.env_steps", "learners[0].batch", "learners[0].gamma", "learners[0].actor" })
            Assert.Single(error.Errors, e => e.StartsWith(path + ":") || e.StartsWith(path + "."));
    }

    [Fact]
    public void Left_out_optional_fields_stay_out_and_are_said_in_a_comment()
    {
        var preset = Presets.Load("collector-vs-learner");
        var spec = preset with
        {
            Learners = [preset.Learners[0] with { Device = "cuda:1" }, .. preset.Learners.Skip(1)],
            Collectors = [preset.Collectors[0] with { Device = "cpu" }, .. preset.Collectors.Skip(1)],
        };
        var yaml = SpecWriter.Write(spec);
        Assert.Contains("    device: \"cuda:1\"", yaml);
        Assert.Contains("    # device: left out, so each silo's FATHOM_DEVICE", yaml);
        Assert.Contains($"    # rate_limiter_error_buffer: left out, so batch + samples_per_insert * episode_length = {256 + 5.12 * 100}", yaml);
        Assert.Contains("  # cell_size: left out, so the env's own, 1 for point_maze", yaml);
        var again = SpecLoader.ParseYaml(yaml);
        Assert.Equal(spec.Learners.Select(l => l.Device), again.Learners.Select(l => l.Device));
        Assert.Equal(spec.Collectors.Select(c => c.Device), again.Collectors.Select(c => c.Device));
        Assert.Null(again.Learners[1].Device);
        Assert.Null(again.Learners[1].ErrorBuffer);
        Assert.Equal(yaml, SpecWriter.Write(again));
        Assert.All(SpecLoader.FieldsLeftOut(yaml), path => Assert.True(path.EndsWith(".device") || path.EndsWith(".rate_limiter_error_buffer") || path == "environment.cell_size" || path.EndsWith(".per_silo"), path));
    }

    [Fact]
    public void A_per_silo_group_is_written_as_per_silo_with_count_left_out_and_reads_back_equal()
    {
        var preset = Presets.Load("quickstart");
        var spec = preset with { Collectors = [preset.Collectors[0] with { Count = 0, PerSilo = 2 }] };
        var yaml = SpecWriter.Write(spec);
        Assert.Contains("  - per_silo: 2\n", yaml);
        Assert.Contains("    # count: left out, so the group runs per_silo = 2 on each collector silo\n", yaml);
        Assert.DoesNotContain("count: 0", yaml);
        var again = SpecLoader.ParseYaml(yaml);
        Assert.Equal(spec.Collectors, again.Collectors);
        Assert.Equal(yaml, SpecWriter.Write(again));
        // A fixed group says the other way round what it leaves out.
        Assert.Contains("    # per_silo: left out, so the group runs count = 1 in all\n", SpecWriter.Write(preset));
    }
}
