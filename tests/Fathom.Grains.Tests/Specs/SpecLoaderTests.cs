using Fathom.Grains.Specs;
using Fathom.Grains.Workers;
using Fathom.Learner.Crl;
using Fathom.Learner.Envs;

namespace Fathom.Grains.Tests.Specs;

public sealed class SpecLoaderTests
{
    internal const string Minimal = """
        seed: 3
        environment: { train_layout: u_maze, eval_layout: u_maze_eval }
        budget: { env_steps: 1000 }
        collectors:
          - { behaviour: actor, envs: 8 }
        learners:
          - { name: actor, role: behaviour }
        """;

    [Theory]
    [InlineData("quickstart")]
    [InlineData("collector-vs-learner")]
    [InlineData("collector-vs-learner-shallow")]
    [InlineData("depth-sweep")]
    [InlineData("ant-quickstart")]
    [InlineData("ant-u4-depth")]
    [InlineData("sac-u-maze")]
    [InlineData("td3-u-maze")]
    public void Every_preset_loads_and_validates(string name)
    {
        Assert.Contains(name, Presets.Names);
        var spec = Presets.Load(name);
        Assert.Empty(SpecValidator.Validate(spec));
        Assert.Contains(spec.Learners, l => l.Role == LearnerRole.Behaviour);
    }

    [Fact]
    public void Presets_hold_the_experiments_they_are_named_after()
    {
        var quickstart = Presets.Load("quickstart");
        Assert.Equal("u_maze", quickstart.Environment.TrainLayout);
        Assert.Equal((256, 4, 256), (quickstart.Collectors[0].Envs, quickstart.Learners[0].Actor.Depth, quickstart.Learners[0].Batch));

        var deep = Presets.Load("collector-vs-learner");
        Assert.Equal(32, deep.Learner(deep.Collectors[0].Behaviour).Critic.Depth);
        Assert.Equal([32, 4], deep.Learners.Where(l => l.Role == LearnerRole.Passive).Select(l => l.Critic.Depth).ToArray());

        var shallow = Presets.Load("collector-vs-learner-shallow");
        Assert.Equal(4, shallow.Learner(shallow.Collectors[0].Behaviour).Critic.Depth);

        var sweep = Presets.Load("depth-sweep");
        Assert.Equal([4, 8, 16, 32, 64], sweep.Learners.Select(l => l.Critic.Depth).ToArray());
        Assert.Equal(sweep.Learners.Select(l => l.Name).Order(), sweep.Collectors.Select(c => c.Behaviour).Order());

        var ant = Presets.Load("ant-quickstart");
        Assert.Equal(EnvironmentFactory.AntMaze, ant.Environment.Kind);
        var arena = MazeLayout.From(ant.Environment.EvalLayout);
        Assert.Equal(4, arena.Goals.Count); // the four cells beside the start
        Assert.All(arena.Goals, g => Assert.Equal(1, Math.Abs(g.Row - arena.Starts[0].Row) + Math.Abs(g.Col - arena.Starts[0].Col)));
        Assert.Equal(1.5, ant.Environment.CellSize); // the goal 1.5 m away: what an 800,000-step run can learn to approach

        // The TD presets are the quickstart with the learner's algorithm changed, so sweeps of both compare like with like.
        foreach (var (name, algorithm) in new[] { ("sac-u-maze", LearnerAlgorithm.Sac), ("td3-u-maze", LearnerAlgorithm.Td3) })
        {
            var td = Presets.Load(name);
            Assert.Equal(algorithm, td.Learners[0].Algorithm);
            Assert.Equal(quickstart, td with { Learners = quickstart.Learners, Collectors = quickstart.Collectors });
            Assert.Equal(quickstart.Collectors, td.Collectors);
            Assert.Equal(quickstart.Learners[0] with { Algorithm = algorithm }, td.Learners[0]);
        }

        var antDepth = Presets.Load("ant-u4-depth");
        Assert.Equal((EnvironmentFactory.AntMaze, "u4_maze"), (antDepth.Environment.Kind, antDepth.Environment.TrainLayout));
        Assert.Equal(16, antDepth.Learner(antDepth.Collectors[0].Behaviour).Critic.Depth);
        Assert.Equal([4, 16, 64], antDepth.Learners.Where(l => l.Role == LearnerRole.Passive).Select(l => l.Critic.Depth).ToArray());
    }

    [Fact]
    public void Defaults_fill_what_a_minimal_spec_leaves_out()
    {
        var spec = SpecLoader.ParseYaml(Minimal);
        Assert.Equal(3, spec.Seed);
        Assert.Equal(100, spec.Environment.EpisodeLength);
        var learner = spec.Learners.Single();
        Assert.Equal((4, 256, 256, 3e-4), (learner.Critic.Depth, learner.Critic.Width, learner.Batch, learner.LearningRate));
        Assert.Equal(new AblationSpec(true, true, true), learner.Ablations);
        Assert.Equal(8, spec.Collectors.Single().Envs);
    }

    [Fact]
    public void Crl_settings_left_out_are_the_papers_from_CrlConfig()
    {
        var learner = SpecLoader.ParseYaml(Minimal).Learners.Single();
        var paper = CrlConfig.Defaults;
        Assert.Equal((paper.Gamma, paper.Energy, paper.Loss, paper.LogSumExpPenalty, paper.ReprDim, paper.TargetEntropyPerActionDim),
            (learner.Gamma, learner.Energy, learner.ContrastiveLoss, learner.LogSumExpPenalty, learner.ReprDim, learner.TargetEntropyPerActionDim));
        Assert.Equal((paper.ActorDepth, paper.ActorWidth, paper.CriticDepth, paper.CriticWidth, paper.LearningRate),
            (learner.Actor.Depth, learner.Actor.Width, learner.Critic.Depth, learner.Critic.Width, learner.LearningRate));
        // A learner built in code without them gets the same values.
        Assert.Equal(learner, new LearnerSpec("actor", LearnerRole.Behaviour, learner.Actor, learner.Critic, learner.Batch,
            learner.LearningRate, learner.SamplesPerInsert, learner.Ablations));
        Assert.Contains("learners[0].gamma", SpecLoader.FieldsLeftOut(Minimal));
    }

    [Fact]
    public void Crl_settings_are_read_per_learner_from_yaml_and_json()
    {
        var yaml = SpecLoader.ParseYaml(Minimal.Replace("- { name: actor, role: behaviour }", """
            - { name: actor, role: behaviour }
              - name: other
                gamma: 0.95
                energy: cosine
                contrastive_loss: symmetric_infonce
                logsumexp_penalty: 0
                repr_dim: 32
                target_entropy_per_action_dim: -1.25
            """));
        Assert.Equal(CrlConfig.Defaults.Gamma, yaml.Learners[0].Gamma);
        var other = yaml.Learners[1];
        Assert.Equal((0.95, CrlEnergy.Cosine, CrlLoss.SymmetricInfoNce, 0.0, 32, -1.25),
            (other.Gamma, other.Energy, other.ContrastiveLoss, other.LogSumExpPenalty, other.ReprDim, other.TargetEntropyPerActionDim));

        var json = SpecLoader.ParseJson("""
            { "environment": { "train_layout": "u_maze", "eval_layout": "u_maze_eval" }, "budget": { "env_steps": 1000 },
              "collectors": [ { "behaviour": "actor" } ],
              "learners": [ { "name": "actor", "role": "behaviour", "gamma": 1, "energy": "negative_squared_l2",
                              "contrastive_loss": "binary_nce", "logsumexp_penalty": 0.5, "repr_dim": 128,
                              "target_entropy_per_action_dim": 0 } ] }
            """).Learners.Single();
        Assert.Equal((1.0, CrlEnergy.NegativeSquaredL2, CrlLoss.BinaryNce, 0.5, 128, 0.0),
            (json.Gamma, json.Energy, json.ContrastiveLoss, json.LogSumExpPenalty, json.ReprDim, json.TargetEntropyPerActionDim));
    }

    [Fact]
    public void Crl_settings_built_in_code_are_checked_like_loaded_ones()
    {
        var spec = SpecLoader.ParseYaml(Minimal);
        var bad = spec.Learners[0] with
        {
            Gamma = 0, Energy = (CrlEnergy)99, ContrastiveLoss = (CrlLoss)99, LogSumExpPenalty = double.NaN, ReprDim = -1,
            TargetEntropyPerActionDim = double.PositiveInfinity,
        };
        var errors = SpecValidator.Validate(spec with { Learners = [bad] });
        Assert.Contains(errors, e => e.StartsWith("learners[0].gamma:") && e.Contains("(0, 1]") && e.Contains("got 0"));
        Assert.Contains(errors, e => e.StartsWith("learners[0].energy:") && e.Contains(SpecNames.Energy.Allowed) && e.Contains("got 99"));
        Assert.Contains(errors, e => e.StartsWith("learners[0].contrastive_loss:") && e.Contains(SpecNames.ContrastiveLoss.Allowed));
        Assert.Contains(errors, e => e.StartsWith("learners[0].logsumexp_penalty:") && e.Contains("got NaN"));
        Assert.Contains(errors, e => e.StartsWith("learners[0].repr_dim:") && e.Contains("got -1"));
        Assert.Contains(errors, e => e.StartsWith("learners[0].target_entropy_per_action_dim:") && e.Contains("finite"));
        Assert.Equal(6, errors.Count);
    }

    [Fact]
    public void Every_choice_has_one_spec_name_and_reads_back()
    {
        foreach (var energy in Enum.GetValues<CrlEnergy>())
            Assert.True(SpecNames.Energy.TryParse(SpecNames.Energy.Name(energy), out var back) && back == energy);
        foreach (var loss in Enum.GetValues<CrlLoss>())
            Assert.True(SpecNames.ContrastiveLoss.TryParse(SpecNames.ContrastiveLoss.Name(loss), out var back) && back == loss);
        Assert.Equal("behaviour, passive", SpecNames.Role.Allowed);
        var incomplete = Assert.Throws<ArgumentException>(() => new SpecChoice<CrlLoss>((CrlLoss.ForwardInfoNce, "forward_infonce")));
        Assert.Contains("BackwardInfoNce", incomplete.Message);
        Assert.Throws<ArgumentException>(() => new SpecChoice<LearnerRole>((LearnerRole.Behaviour, "x"), (LearnerRole.Passive, "x")));
    }

    [Fact]
    public void Json_and_yaml_give_the_same_spec()
    {
        var json = """
            { "seed": 3, "environment": { "train_layout": "u_maze", "eval_layout": "u_maze_eval" },
              "budget": { "env_steps": 1000 }, "collectors": [ { "behaviour": "actor", "envs": 8 } ],
              "learners": [ { "name": "actor", "role": "behaviour" } ] }
            """;
        Assert.Equal(System.Text.Json.JsonSerializer.Serialize(SpecLoader.ParseYaml(Minimal)),
            System.Text.Json.JsonSerializer.Serialize(SpecLoader.ParseJson(json)));
    }

    [Theory]
    [InlineData("learners[0].actor.depth", "actor: { depth: 6 }", "multiple of 4")]
    [InlineData("learners[0].role", "role: critic", "behaviour, passive")]
    [InlineData("learners[0].batch", "batch: 1", "[2, 65536]")]
    [InlineData("learners[0].samples_per_insert", "samples_per_insert: -1", "number in")]
    [InlineData("learners[0].ablations.swish", "ablations: { swish: maybe }", "true or false")]
    [InlineData("learners[0].colour", "colour: blue", "unknown field (allowed:")]
    [InlineData("learners[0].gamma", "gamma: 0", "(0, 1]")]
    [InlineData("learners[0].gamma", "gamma: 1.5", "(0, 1]")]
    [InlineData("learners[0].gamma", "gamma: soon", "finite number (got soon)")]
    [InlineData("learners[0].energy", "energy: l1", "negative_l2, negative_squared_l2, dot, cosine (got l1)")]
    [InlineData("learners[0].contrastive_loss", "contrastive_loss: NegativeL2", "forward_infonce, backward_infonce, symmetric_infonce, binary_nce (got NegativeL2)")]
    [InlineData("learners[0].logsumexp_penalty", "logsumexp_penalty: -0.1", ">= 0 (paper 0.1; 0 turns it off; got -0.1)")]
    [InlineData("learners[0].logsumexp_penalty", "logsumexp_penalty: .inf", "finite number (got .inf)")]
    [InlineData("learners[0].repr_dim", "repr_dim: 0", "[1, 16384]")]
    [InlineData("learners[0].repr_dim", "repr_dim: 65536", "[1, 16384]")]
    [InlineData("learners[0].target_entropy_per_action_dim", "target_entropy_per_action_dim: nan", "finite number (got nan)")]
    [InlineData("learners[0].rate_limiter_error_buffer", "rate_limiter_error_buffer: 1", ">= (batch + samples_per_insert * episode_length) / 2 = ")]
    [InlineData("learners[0].rate_limiter_error_buffer", "rate_limiter_error_buffer: .nan", "finite number")]
    [InlineData("learners[0].device", "device: gpu", "auto, cpu, cuda or cuda:N (N = 0, 1, ...), or left out for the silo's FATHOM_DEVICE (got 'gpu')")]
    [InlineData("learners[0].device", "device: cuda:-1", "auto, cpu, cuda or cuda:N (N = 0, 1, ...), or left out for the silo's FATHOM_DEVICE (got 'cuda:-1')")]
    [InlineData("learners[0].device", "device: cuda:x", "auto, cpu, cuda or cuda:N (N = 0, 1, ...), or left out for the silo's FATHOM_DEVICE (got 'cuda:x')")]
    [InlineData("learners[0].device", "device: \"\"", "(got '')")]
    public void A_bad_learner_field_is_named_with_its_allowed_values(string path, string field, string allowed)
    {
        var text = Minimal.Replace("- { name: actor, role: behaviour }", $"- name: actor\n    role: behaviour\n    {field}");
        if (field.StartsWith("role")) text = text.Replace("    role: behaviour\n", "");
        var error = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(text));
        Assert.Contains(error.Errors, e => e.StartsWith(path + ":") && e.Contains(allowed));
    }

    [Fact]
    public void Devices_are_read_per_learner_and_per_collector_group_and_left_out_means_the_silo_default()
    {
        var spec = SpecLoader.ParseYaml("""
            environment: { train_layout: u_maze, eval_layout: u_maze_eval }
            budget: { env_steps: 1000 }
            collectors:
              - { behaviour: actor, envs: 8, device: cpu }
              - { behaviour: actor, envs: 8 }
            learners:
              - { name: actor, role: behaviour, device: cuda:1 }
              - name: other
                device: auto
              - { name: third }
            """);
        Assert.Equal(new[] { "cuda:1", "auto", null }, spec.Learners.Select(l => l.Device));
        Assert.Equal(new[] { "cpu", null }, spec.Collectors.Select(c => c.Device));
        var json = SpecLoader.ParseJson("""
            { "environment": { "train_layout": "u_maze", "eval_layout": "u_maze_eval" }, "budget": { "env_steps": 1000 },
              "collectors": [ { "behaviour": "actor", "device": "cuda" } ], "learners": [ { "name": "actor", "role": "behaviour", "device": "cuda:0" } ] }
            """);
        Assert.Equal(("cuda", "cuda:0"), (json.Collectors[0].Device, json.Learners[0].Device));
    }

    [Fact]
    public void A_bad_collector_device_is_named_with_its_allowed_values()
    {
        var error = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(Minimal.Replace("- { behaviour: actor, envs: 8 }", "- { behaviour: actor, envs: 8, device: gpu }")));
        Assert.Contains(error.Errors, e => e.StartsWith("collectors[0].device:") && e.Contains("auto, cpu, cuda or cuda:N") && e.Contains("'gpu'"));
        // A spec built in code is checked the same way when the experiment grain validates it.
        var spec = SpecLoader.ParseYaml(Minimal);
        var coded = spec with { Learners = [spec.Learners[0] with { Device = "cuda:x" }] };
        Assert.Contains(SpecValidator.Validate(coded), e => e.StartsWith("learners[0].device:") && e.Contains("'cuda:x'"));
    }

    [Fact]
    public void A_collector_group_gives_count_or_per_silo_and_left_out_both_means_count_1()
    {
        var perSilo = SpecLoader.ParseYaml(Minimal.Replace("envs: 8 }", "envs: 8, per_silo: 2 }")).Collectors.Single();
        Assert.Equal((0, (int?)2), (perSilo.Count, perSilo.PerSilo));
        var neither = SpecLoader.ParseYaml(Minimal).Collectors.Single();
        Assert.Equal((1, (int?)null), (neither.Count, neither.PerSilo));
        var counted = SpecLoader.ParseYaml(Minimal.Replace("envs: 8 }", "envs: 8, count: 3 }"));
        Assert.Equal((3, (int?)null), (counted.Collectors[0].Count, counted.Collectors[0].PerSilo));
        Assert.Equal(3, counted.FixedCollectorCount);
        Assert.Empty(counted.SiloShare());
    }

    [Theory]
    [InlineData("count: 2, per_silo: 1", "collectors[0].per_silo: cannot be given together with count (got count: 2, per_silo: 1); give exactly one")]
    [InlineData("per_silo: 0", "collectors[0].per_silo: must be an integer in [1, 4096] (got 0)")]
    [InlineData("per_silo: 5000", "collectors[0].per_silo: must be an integer in [1, 4096] (got 5000)")]
    [InlineData("per_silo: some", "collectors[0].per_silo: must be an integer in [1, 4096] (got some)")]
    [InlineData("count: 0", "collectors[0].count: must be an integer in [1, 4096] (got 0)")]
    [InlineData("count: 0, per_silo: 2", "collectors[0].per_silo: cannot be given together with count (got count: 0, per_silo: 2); give exactly one")]
    [InlineData("per_silo: 2, count: 1", "collectors[0].per_silo: cannot be given together with count (got count: 1, per_silo: 2); give exactly one")]
    public void A_bad_count_or_per_silo_is_refused_naming_the_field(string fields, string expected)
    {
        var error = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(Minimal.Replace("envs: 8 }", $"envs: 8, {fields} }}")));
        Assert.Contains(expected, Assert.Single(error.Errors));
    }

    [Fact]
    public void Count_and_per_silo_both_set_in_code_are_refused_as_when_loaded()
    {
        var spec = SpecLoader.ParseYaml(Minimal);
        var both = spec with { Collectors = [spec.Collectors[0] with { Count = 2, PerSilo = 1 }] };
        var loaded = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(Minimal.Replace("envs: 8 }", "envs: 8, count: 2, per_silo: 1 }"))).Errors;
        Assert.Equal(loaded, SpecValidator.Validate(both));
        var zero = spec with { Collectors = [spec.Collectors[0] with { Count = 0, PerSilo = 0 }] };
        Assert.Contains("collectors[0].per_silo: must be an integer in [1, 4096] (got 0)", SpecValidator.Validate(zero));
    }

    [Fact]
    public void A_silos_share_numbers_its_slots_over_the_per_silo_groups_in_order()
    {
        var spec = SpecLoader.ParseYaml(Minimal.Replace("  - { behaviour: actor, envs: 8 }",
            "  - { behaviour: actor, envs: 8, per_silo: 2 }\n  - { behaviour: actor, count: 3 }\n  - { behaviour: actor, per_silo: 1 }"));
        Assert.Equal([(0, 0), (0, 1), (2, 2)], spec.SiloShare().ToArray());
        Assert.Equal(3, spec.FixedCollectorCount);
    }

    [Fact]
    public void Every_bad_field_is_reported_at_once()
    {
        var text = """
            environment: { train_layout: moon_maze, eval_layout: u_maze_eval, episode_length: 0 }
            budget: { env_steps: 0 }
            collectors:
              - { behaviour: nobody, envs: 8, weight_refresh_steps: 0 }
            learners:
              - { name: "Bad Name", role: passive }
            replay: { shards: 0 }
            """;
        var error = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(text));
        foreach (var path in new[] { "environment.episode_length", "budget.env_steps", "collectors[0].weight_refresh_steps", "replay.shards" })
            Assert.Contains(error.Errors, e => e.StartsWith(path + ":"));
    }

    [Fact]
    public void Cross_field_rules_name_the_field_and_the_choices()
    {
        var unknownLayout = Minimal.Replace("train_layout: u_maze,", "train_layout: moon_maze,");
        var layout = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(unknownLayout));
        Assert.Contains(layout.Errors, e => e.StartsWith("environment.train_layout:") && e.Contains("u4_maze"));

        var passiveOnly = Minimal.Replace("role: behaviour", "role: passive");
        var behaviour = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(passiveOnly));
        Assert.Contains(behaviour.Errors, e => e.StartsWith("collectors[0].behaviour:") && e.Contains("role behaviour"));

        var duplicate = Minimal.Replace("- { name: actor, role: behaviour }", "- { name: actor, role: behaviour }\n  - { name: actor }");
        var names = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml(duplicate));
        Assert.Contains(names.Errors, e => e.StartsWith("learners[1].name:") && e.Contains("unique"));
    }

    [Fact]
    public void Missing_sections_and_malformed_documents_are_named()
    {
        var missing = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml("seed: 1\n"));
        foreach (var path in new[] { "environment", "budget", "collectors", "learners" })
            Assert.Contains(missing.Errors, e => e.StartsWith(path + ": is required"));
        var malformed = Assert.Throws<SpecException>(() => SpecLoader.ParseYaml("learners: [ {"));
        Assert.StartsWith("(document):", malformed.Errors.Single());
        var unknownFile = Assert.Throws<SpecException>(() => SpecLoader.Resolve("no-such-preset"));
        Assert.Contains("quickstart", unknownFile.Errors.Single());
    }
}
