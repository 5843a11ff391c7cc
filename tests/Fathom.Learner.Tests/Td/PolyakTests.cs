using Fathom.Learner.Nets;
using Fathom.Learner.Td;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Td;

public class PolyakTests
{
    [Fact]
    public void TargetMovesATauFractionOfTheWayToTheOnlineValues()
    {
        using var target = new FlatParameters([[3], [2, 2]], CPU);
        using var online = new FlatParameters([[3], [2, 2]], CPU);
        using (no_grad())
        {
            target.Values.copy_(tensor(new float[] { 1, 2, 3, 4, 5, 6, 7 }));
            online.Values.copy_(tensor(new float[] { 11, 2, -3, 0, 5, 16, -7 }));
        }
        Polyak.Update(target, online, 0.1);
        float[] expected = [2f, 2f, 2.4f, 3.6f, 5f, 7f, 5.6f]; // 0.9 t + 0.1 o
        var actual = target.Values.data<float>().ToArray();
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 5);
        Assert.Equal(16f, online.Values[5].item<float>()); // the online buffer is not touched
    }

    [Fact]
    public void SacTargetsFollowTheirCriticsByThePolyakRuleAfterEveryUpdate()
    {
        using var agent = new SacAgent(TdTestAgents.Small() with { Tau = 0.05 });
        var (s, a, next, g) = TdTestAgents.RandomBatch(16, seed: 3);
        // Targets start as copies; first make them differ so the rule is visible.
        agent.Update(s, a, next, g);
        for (int step = 0; step < 3; step++)
        {
            using var before1 = agent.Critic.FirstTarget.Parameters.Values.clone();
            using var before2 = agent.Critic.SecondTarget.Parameters.Values.clone();
            var metrics = agent.Update(s, a, next, g);
            Assert.False(metrics.Skipped);
            AssertPolyak(before1, agent.Critic.First.Parameters.Values, agent.Critic.FirstTarget.Parameters.Values, 0.05);
            AssertPolyak(before2, agent.Critic.Second.Parameters.Values, agent.Critic.SecondTarget.Parameters.Values, 0.05);
        }
    }

    internal static void AssertPolyak(Tensor before, Tensor online, Tensor after, double tau)
    {
        using var expected = before.mul(1 - tau).add(online.mul(tau));
        Assert.False(before.allclose(after, rtol: 0, atol: 1e-7), "the target did not move");
        Assert.True(expected.allclose(after, rtol: 1e-5, atol: 1e-6), $"largest deviation {expected.sub(after).abs().max().item<float>()}");
    }
}
