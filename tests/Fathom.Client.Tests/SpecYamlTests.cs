using Fathom.Client.Running;
using Fathom.Grains.Specs;

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
            Assert.Equal(spec.Learners.Select(l => (l.Name, l.Role, l.Actor, l.Critic, l.Batch, l.SamplesPerInsert, l.Device)),
                again.Learners.Select(l => (l.Name, l.Role, l.Actor, l.Critic, l.Batch, l.SamplesPerInsert, l.Device)));
            Assert.Equal((spec.Seed, spec.BudgetEnvSteps, spec.Environment, spec.Replay, spec.Evaluation),
                (again.Seed, again.BudgetEnvSteps, again.Environment, again.Replay, again.Evaluation));
        }
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
