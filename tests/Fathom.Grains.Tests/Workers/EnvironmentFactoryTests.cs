using Fathom.Grains.Workers;

namespace Fathom.Grains.Tests.Workers;

public sealed class EnvironmentFactoryTests
{
    [Fact]
    public void TheLayoutWorkedOutFromTheSpecIsTheOneABuiltEnvHas()
    {
        var spec = WorkerParts.Spec.Environment;
        using var env = EnvironmentFactory.Train(spec, numEnvs: 1, seed: 0);
        var layout = EnvironmentFactory.Layout(spec);
        Assert.Equal((env.StateDim, env.ActionDim, env.GoalStart, env.GoalDim), (layout.StateDim, layout.ActionDim, layout.GoalStart, layout.GoalDim));
    }
}
