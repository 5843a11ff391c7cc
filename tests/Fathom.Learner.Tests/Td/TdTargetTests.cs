using Fathom.Learner.Td;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Td;

public class TdTargetTests
{
    [Theory]
    [InlineData(1f, 2f, 0.9, false, 2.8f)]  // 1 + 0.9 * 2
    [InlineData(1f, 2f, 0.9, true, 1f)]     // reaching the goal ends the episode: no bootstrap
    [InlineData(0f, 2f, 0.9, true, 1.8f)]   // not reached: bootstraps whether or not success is terminal
    [InlineData(0f, -1f, 0.5, false, -0.5f)]
    public void TheTargetIsRewardPlusDiscountedNextValue(float reward, float nextValue, double gamma, bool terminal, float expected)
    {
        using var y = TdTarget.Compute(tensor(new[] { reward }), tensor(new[] { nextValue }), gamma, terminal);
        Assert.Equal(expected, y.item<float>(), 6);
    }

    [Fact]
    public void TheRewardIsOneStrictlyInsideTheSuccessRadiusOfTheGoalSlice()
    {
        // States (a, x, y) with the goal slice at index 1; radius 0.5.
        using var next = TdTestAgents.Rows([9f, 1f, 1f], [9f, 1.3f, 1.3f], [9f, 1.5f, 1f], [0f, 1.49f, 1f]);
        using var goals = TdTestAgents.Rows([1f, 1f], [1f, 1f], [1f, 1f], [1f, 1f]);
        using var reward = SparseReward.Compute(next, goals, goalStart: 1, radius: 0.5);
        Assert.Equal([1f, 1f, 0f, 1f], reward.data<float>().ToArray());
    }
}
