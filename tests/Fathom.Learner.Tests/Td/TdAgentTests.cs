using Fathom.Learner.Crl;
using Fathom.Learner.Td;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Td;

public class TdAgentTests
{
    // One hand-worked transition: s = (0, 0), a = (1, 0), s' = (0.5, 0). Goal (0.6, 0) is 0.1 from s' (r = 1, radius
    // 0.5); goal (3, 0) is 2.5 from it (r = 0). The target critics are pinned to constants c1, c2, so
    // y = r + gamma (1 - done) min(c1, c2) for TD3, whatever its smoothed target action.
    [Theory]
    [InlineData(0.6f, false, 3f, 5f, 1 + 0.9 * 3)]
    [InlineData(0.6f, false, 5f, 3f, 1 + 0.9 * 3)]   // the minimum, whichever critic holds it
    [InlineData(0.6f, true, 3f, 5f, 1.0)]            // success is terminal: y = r
    [InlineData(3f, true, -2f, 4f, 0.9 * -2)]        // not reached: bootstraps from min(-2, 4)
    [InlineData(3f, false, 7f, 6f, 0.9 * 6)]
    public void Td3TargetIsExactOnAHandWorkedTransitionAndUsesTheTwinMinimum(float goalX, bool terminal, float c1, float c2, double expected)
    {
        using var agent = new Td3Agent(TdTestAgents.Small() with { Gamma = 0.9, TerminalOnSuccess = terminal });
        TdTestAgents.PinOutput(agent.Critic.FirstTarget, c1);
        TdTestAgents.PinOutput(agent.Critic.SecondTarget, c2);
        var metrics = agent.Update(TdTestAgents.Rows([0f, 0f]), TdTestAgents.Rows([1f, 0f]), TdTestAgents.Rows([0.5f, 0f]), TdTestAgents.Rows([goalX, 0f]));
        Assert.False(metrics.Skipped);
        Assert.Equal(goalX < 1 ? 1f : 0f, metrics.RewardRate);
        Assert.Equal(expected, metrics.MeanTarget, 5);
    }

    [Fact]
    public void SacTargetUsesTheTwinMinimumAndTheEntropyTerm()
    {
        // With pinned target critics y = r + gamma (min(c1, c2) - alpha log pi(a' | s')), where alpha = 1 at the start;
        // swapping c1 and c2 gives the same target, and raising the larger one changes nothing.
        double Target(float c1, float c2)
        {
            using var agent = new SacAgent(TdTestAgents.Small() with { Gamma = 0.9 });
            TdTestAgents.PinOutput(agent.Critic.FirstTarget, c1);
            TdTestAgents.PinOutput(agent.Critic.SecondTarget, c2);
            return agent.Update(TdTestAgents.Rows([0f, 0f]), TdTestAgents.Rows([1f, 0f]), TdTestAgents.Rows([0.5f, 0f]), TdTestAgents.Rows([3f, 0f])).MeanTarget;
        }
        double low = Target(2f, 9f);
        Assert.Equal(low, Target(9f, 2f), 5);
        Assert.Equal(low, Target(2f, 50f), 5);
        Assert.Equal(low + 0.9 * 1.0, Target(3f, 50f), 4); // the min moved by 1: y moves by gamma
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Td3StepsTheActorAndTargetsOnlyEveryDelayCriticSteps(int delay)
    {
        using var agent = new Td3Agent(TdTestAgents.Small() with { PolicyDelay = delay, Tau = 0.1 });
        var (s, a, next, g) = TdTestAgents.RandomBatch(16, seed: 4);
        for (int update = 1; update <= 2 * delay; update++)
        {
            using var actor = agent.Actor.Network.Parameters.Values.clone();
            using var targetActor = agent.TargetActor.Network.Parameters.Values.clone();
            using var targetCritic = agent.Critic.FirstTarget.Parameters.Values.clone();
            using var critic = agent.Critic.First.Parameters.Values.clone();
            var metrics = agent.Update(s, a, next, g);
            bool due = update % delay == 0;
            Assert.Equal(due, metrics.ActorStepped);
            Assert.False(Same(critic, agent.Critic.First.Parameters.Values), "the critic steps every update");
            Assert.Equal(!due, Same(actor, agent.Actor.Network.Parameters.Values));
            Assert.Equal(!due, Same(targetActor, agent.TargetActor.Network.Parameters.Values));
            Assert.Equal(!due, Same(targetCritic, agent.Critic.FirstTarget.Parameters.Values));
            if (due)
            {
                PolyakTests.AssertPolyak(targetActor, agent.Actor.Network.Parameters.Values, agent.TargetActor.Network.Parameters.Values, 0.1);
                PolyakTests.AssertPolyak(targetCritic, agent.Critic.First.Parameters.Values, agent.Critic.FirstTarget.Parameters.Values, 0.1);
            }
            Assert.Equal(update / delay, agent.ActorUpdates);
        }
    }

    [Fact]
    public void Td3ActorBlobIsACrlPolicyWithTheExplorationNoiseAsItsSpread()
    {
        using var agent = new Td3Agent(TdTestAgents.Small() with { ExplorationNoise = 0.1 });
        var (s, a, next, g) = TdTestAgents.RandomBatch(16, seed: 5);
        for (int i = 0; i < 4; i++) agent.Update(s, a, next, g); // the actor has stepped; its log-std head must not have
        using var policy = CrlPolicy.Import(agent.ExportActor(), seed: 3);
        using var states = zeros(4000, 2);
        using var goals = ones(4000, 2);
        using var mine = agent.Act(states, goals, deterministic: true);
        using var theirs = policy.Act(states, goals, deterministic: true);
        Assert.True(mine.allclose(theirs), "the imported policy's deterministic action differs from the agent's");
        using var sampled = policy.Act(states, goals, deterministic: false);
        // Pre-tanh noise: atanh(sample) - atanh(mu) ~ N(0, 0.1) per dimension.
        using var noise = sampled.clamp(-0.999999, 0.999999).atanh().sub(theirs.atanh());
        Assert.InRange(noise.std().item<float>(), 0.095, 0.105);
        Assert.InRange(noise.mean().item<float>(), -0.01, 0.01);
    }

    [Fact]
    public void SacActorBlobImportsAsACrlPolicy()
    {
        using var agent = new SacAgent(TdTestAgents.Small());
        var (s, a, next, g) = TdTestAgents.RandomBatch(16, seed: 6);
        agent.Update(s, a, next, g);
        using var policy = CrlPolicy.Import(agent.ExportActor());
        Assert.Equal(agent.UpdateCount, policy.UpdateCount);
        using var states = TdTestAgents.Rows([0.1f, 0.2f], [-1f, 1f]);
        using var goals = TdTestAgents.Rows([1f, 1f], [0f, 0f]);
        Assert.True(agent.Act(states, goals, true).allclose(policy.Act(states, goals, true)));
    }

    [Theory]
    [InlineData("sac")]
    [InlineData("td3")]
    public void ACheckpointRestoresAndContinuesBitForBit(string algorithm)
    {
        TdAgent Make() => algorithm == "sac" ? new SacAgent(TdTestAgents.Small()) : new Td3Agent(TdTestAgents.Small());
        var (s, a, next, g) = TdTestAgents.RandomBatch(16, seed: 7);
        using var straight = Make();
        for (int i = 0; i < 3; i++) straight.Update(s, a, next, g);
        using var saved = new MemoryStream();
        straight.Save(saved);
        for (int i = 0; i < 3; i++) straight.Update(s, a, next, g);

        using var resumed = Make();
        saved.Position = 0;
        resumed.Load(saved);
        Assert.Equal(3, resumed.UpdateCount);
        for (int i = 0; i < 3; i++) resumed.Update(s, a, next, g);
        foreach (var (mine, theirs) in straight.Parts.Zip(resumed.Parts))
            Assert.True(Same(mine.Parameters.Values, theirs.Parameters.Values), $"{mine.Name} differs after resuming");
    }

    [Fact]
    public void ACheckpointOfTheOtherAlgorithmIsRefused()
    {
        using var sac = new SacAgent(TdTestAgents.Small());
        using var td3 = new Td3Agent(TdTestAgents.Small());
        using var saved = new MemoryStream();
        sac.Save(saved);
        saved.Position = 0;
        var error = Assert.Throws<InvalidDataException>(() => td3.Load(saved));
        Assert.Contains("FATHOM-TD3-CHECKPOINT", error.Message);
    }

    [Theory]
    [InlineData(nameof(TdConfig.Tau), 0.0)]
    [InlineData(nameof(TdConfig.Tau), 1.5)]
    [InlineData(nameof(TdConfig.PolicyDelay), 0.0)]
    [InlineData(nameof(TdConfig.SuccessRadius), -1.0)]
    [InlineData(nameof(TdConfig.ExplorationNoise), 0.0)]
    [InlineData(nameof(TdConfig.GoalStart), 1.0)]
    public void BadSettingsAreRejectedNamingTheField(string field, double value)
    {
        var config = field switch
        {
            nameof(TdConfig.Tau) => TdTestAgents.Small() with { Tau = value },
            nameof(TdConfig.PolicyDelay) => TdTestAgents.Small() with { PolicyDelay = (int)value },
            nameof(TdConfig.SuccessRadius) => TdTestAgents.Small() with { SuccessRadius = value },
            nameof(TdConfig.ExplorationNoise) => TdTestAgents.Small() with { ExplorationNoise = value },
            _ => TdTestAgents.Small() with { GoalStart = (int)value },
        };
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => config.Validate());
        Assert.Equal(field, error.ParamName);
        Assert.Contains(field, error.Message);
    }

    /// <summary>Exact equality of two tensors.</summary>
    private static bool Same(Tensor a, Tensor b) => a.allclose(b, rtol: 0, atol: 0);

    [Fact]
    public void DefaultsAreJaxGcrlsValues()
    {
        var d = TdConfig.Defaults;
        Assert.Equal((0.99, 0.005, 3e-4, 0.2, 0.5, 2, 0.1), (d.Gamma, d.Tau, d.LearningRate, d.PolicyNoise, d.NoiseClip, d.PolicyDelay, d.ExplorationNoise));
        Assert.Equal((4, 256, 4, 256, -0.5, false), (d.ActorDepth, d.ActorWidth, d.CriticDepth, d.CriticWidth, d.TargetEntropyPerActionDim, d.TerminalOnSuccess));
    }
}
