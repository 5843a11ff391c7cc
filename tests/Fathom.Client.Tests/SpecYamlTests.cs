using Fathom.Client.Running;
using Fathom.Grains.Specs;
using Fathom.Learner.Crl;

namespace Fathom.Client.Tests;

public class SpecYamlTests
{
    [Fact]
    public void EveryPreset_RoundTripsThroughTheWrittenYaml()
    {
        Assert.NotEmpty(Presets.Names);
        foreach (var name in Presets.Names)
        {
            var spec = Presets.Load(name);
            var yaml = SpecYaml.Write(spec);
            var again = SpecLoader.ParseYaml(yaml);
            Assert.Equal(yaml, SpecYaml.Write(again));
            Assert.Equal(spec.Learners, again.Learners);
            Assert.Equal(spec.Collectors, again.Collectors);
            Assert.Equal((spec.Seed, spec.BudgetEnvSteps, spec.Environment, spec.Replay, spec.Evaluation),
                (again.Seed, again.BudgetEnvSteps, again.Environment, again.Replay, again.Evaluation));
        }
    }

    /// <summary>A spec whose every field differs from the loader's default, two of each list, every device set.</summary>
    private static ExperimentSpec Unusual()
    {
        var first = new LearnerSpec("first", LearnerRole.Behaviour, new NetSpec(8, 64), new NetSpec(12, 96), 128, 1e-3, 2.5,
            new AblationSpec(LayerNorm: false, Swish: false, Residual: false), "cuda:1")
        {
            Gamma = 0.9,
            Energy = CrlEnergy.Dot,
            ContrastiveLoss = CrlLoss.BackwardInfoNce,
            LogSumExpPenalty = 0.25,
            ReprDim = 48,
            TargetEntropyPerActionDim = -1.5,
            ErrorBuffer = 12345.5,
        };
        var second = first with
        {
            Name = "second-one", Role = LearnerRole.Passive, Device = "cpu", Gamma = 1, Energy = CrlEnergy.NegativeSquaredL2,
            ContrastiveLoss = CrlLoss.BinaryNce, LogSumExpPenalty = 0, ReprDim = 1, TargetEntropyPerActionDim = 0.1 + 0.2,
        };
        return new ExperimentSpec(
            Seed: 42,
            Environment: new EnvironmentSpec(SpecValidator.PointMaze, "u5_maze", "u5_maze_eval", 250),
            Collectors: [new CollectorSpec(3, 32, "first", 7, "auto"), new CollectorSpec(2, 16, "first", 5, "cuda")],
            Learners: [first, second],
            Replay: new ReplaySpec(3, 123_456, 789),
            BudgetEnvSteps: 98_765,
            Evaluation: new EvaluationSpec(333, 17),
            CheckpointPeriodUpdates: 444);
    }

    [Fact]
    public void A_spec_with_no_default_anywhere_RoundTripsEqual()
    {
        var spec = Unusual();
        Assert.Empty(SpecValidator.Validate(spec));
        var yaml = SpecYaml.Write(spec);
        var again = SpecLoader.ParseYaml(yaml);
        Assert.Equal(spec.Learners, again.Learners);
        Assert.Equal(spec.Collectors, again.Collectors);
        Assert.Equal(spec, again with { Learners = spec.Learners, Collectors = spec.Collectors });
        Assert.Contains("    energy: dot", yaml);
        Assert.Contains("    contrastive_loss: binary_nce", yaml);
    }

    [Fact]
    public void TheWriterLeavesOutNoFieldTheLoaderAccepts()
    {
        // The loader's reads are the schema: any field it accepts that the writer forgets shows up here by path.
        Assert.Empty(SpecLoader.FieldsLeftOut(SpecYaml.Write(Unusual())));
        foreach (var name in Presets.Names)
            Assert.All(SpecLoader.FieldsLeftOut(SpecYaml.Write(Presets.Load(name))), path => Assert.True(path.EndsWith(".device") || path.EndsWith(".rate_limiter_error_buffer"), path));
        // The check itself sees what a short spec leaves to the defaults.
        var minimal = "environment: { train_layout: u_maze, eval_layout: u_maze_eval }\nbudget: { env_steps: 10 }\n"
            + "collectors: [ { behaviour: a } ]\nlearners: [ { name: a, role: behaviour } ]\n";
        var leftOut = SpecLoader.FieldsLeftOut(minimal);
        foreach (var path in new[] { "seed", "environment.kind", "learners[0].gamma", "learners[0].energy", "learners[0].contrastive_loss",
                     "learners[0].logsumexp_penalty", "learners[0].repr_dim", "learners[0].target_entropy_per_action_dim", "learners[0].rate_limiter_error_buffer", "replay" })
            Assert.Contains(path, leftOut);
    }

    [Fact]
    public void Devices_RoundTrip_AndALeftOutDeviceStaysLeftOut()
    {
        var preset = Presets.Load("collector-vs-learner");
        var spec = preset with
        {
            Learners = [preset.Learners[0] with { Device = "cuda:1" }, .. preset.Learners.Skip(1)],
            Collectors = [preset.Collectors[0] with { Device = "cpu" }, .. preset.Collectors.Skip(1)],
        };
        var yaml = SpecYaml.Write(spec);
        Assert.Contains("    device: \"cuda:1\"", yaml);
        Assert.Contains("    # device: left out, so each silo's FATHOM_DEVICE", yaml);
        var again = SpecLoader.ParseYaml(yaml);
        Assert.Equal(spec.Learners.Select(l => l.Device), again.Learners.Select(l => l.Device));
        Assert.Equal(spec.Collectors.Select(c => c.Device), again.Collectors.Select(c => c.Device));
        Assert.Null(again.Learners[1].Device);
        Assert.Equal(yaml, SpecYaml.Write(again));
    }

    [Fact]
    public void SweepOverride_SetsEveryNetworkDepthAndTheSeed()
    {
        var spec = SpecOverrides.WithDepthAndSeed(Presets.Load("collector-vs-learner"), 16, 7);
        Assert.Equal(7, spec.Seed);
        Assert.All(spec.Learners, l => Assert.Equal((16, 16), (l.Actor.Depth, l.Critic.Depth)));
        SpecValidator.ThrowIfInvalid(spec);
    }

    [Fact]
    public void ParseDepths_AcceptsMultiplesOfFourOnly()
    {
        Assert.Equal([4, 8, 16], SpecOverrides.ParseDepths("16, 4,8,4"));
        Assert.Contains("'6'", Assert.Throws<ArgumentException>(() => SpecOverrides.ParseDepths("4,6")).Message);
        Assert.Contains("--depths", Assert.Throws<ArgumentException>(() => SpecOverrides.ParseDepths(",")).Message);
    }
}
