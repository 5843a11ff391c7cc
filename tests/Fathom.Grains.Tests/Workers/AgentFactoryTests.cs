using Fathom.Replay;
using Fathom.Grains.Specs;
using Fathom.Grains.Workers;
using Fathom.Learner.Crl;
using Fathom.Learner.Nets;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Fathom.Grains.Tests.Workers;

/// <summary>A learner spec reaches the agent whole: every setting it carries lands in CrlConfig, and in grain messages.</summary>
public sealed class AgentFactoryTests
{
    /// <summary>A learner whose every setting differs from the paper's, so a setting the factory drops shows.</summary>
    private static readonly LearnerSpec Unusual = new("odd", LearnerRole.Passive, new NetSpec(8, 64), new NetSpec(12, 96), 128, 1e-3, 2.5,
        new AblationSpec(LayerNorm: false, Swish: false, Residual: false), "cpu")
    {
        Gamma = 0.9,
        Energy = CrlEnergy.Dot,
        ContrastiveLoss = CrlLoss.BackwardInfoNce,
        LogSumExpPenalty = 0.25,
        ReprDim = 48,
        TargetEntropyPerActionDim = -1.5,
    };

    [Fact]
    public void Every_learner_setting_is_carried_into_the_agents_config()
    {
        var layout = new EpisodeLayout(stateDim: 4, actionDim: 2, goalStart: 0, goalDim: 2);
        var config = AgentFactory.Config(Unusual, layout, seed: 77, device: "cpu");
        var expected = CrlConfig.Defaults with
        {
            StateDim = 4, ActionDim = 2, GoalDim = 2,
            ActorDepth = 8, ActorWidth = 64, CriticDepth = 12, CriticWidth = 96,
            LayerNorm = false, Activation = Activation.ReLU, Residual = false,
            LearningRate = 1e-3, Seed = 77, Device = "cpu",
            Gamma = 0.9, Energy = CrlEnergy.Dot, Loss = CrlLoss.BackwardInfoNce, LogSumExpPenalty = 0.25, ReprDim = 48,
            TargetEntropyPerActionDim = -1.5,
        };
        Assert.Equal(expected, config);
        Assert.Equal(-3.0, config.TargetEntropy);
        config.Validate();

        // Each CRL setting differs from the paper's, so the equality above fails for any one the factory leaves out.
        var paper = CrlConfig.Defaults;
        Assert.All(new (object Spec, object Paper)[]
        {
            (config.Gamma, paper.Gamma), (config.Energy, paper.Energy), (config.Loss, paper.Loss),
            (config.LogSumExpPenalty, paper.LogSumExpPenalty), (config.ReprDim, paper.ReprDim),
            (config.TargetEntropyPerActionDim, paper.TargetEntropyPerActionDim),
        }, pair => Assert.NotEqual(pair.Paper, pair.Spec));
    }

    [Fact]
    public void A_learner_spec_with_its_crl_settings_survives_the_grain_serializer()
    {
        using var services = new ServiceCollection().AddSerializer(b => b.AddAssembly(typeof(LearnerSpec).Assembly)).BuildServiceProvider();
        var serializer = services.GetRequiredService<Serializer>();
        var copy = serializer.Deserialize<LearnerSpec>(serializer.SerializeToArray(Unusual));
        Assert.Equal(Unusual, copy);
    }
}
