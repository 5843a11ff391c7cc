using Fathom.Client.Running;
using Fathom.Grains.Specs;

namespace Fathom.Client.Tests;

public class SpecOverridesTests
{
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
