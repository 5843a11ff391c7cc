using Fathom.Learner.Crl;
using Fathom.Learner.Td;

namespace Fathom.Learner.Tests.Td;

public class HerGoalTests
{
    [Fact]
    public void WithoutFinalGoalsItDrawsExactlyWhatCrlDraws()
    {
        var her = new Random(5);
        var crl = new Random(5);
        for (int i = 0; i < 2000; i++)
        {
            int t = i % 37;
            Assert.Equal(t + HindsightGoal.SampleOffset(crl, 0.9, 40 - t), HerGoal.SampleGoalStep(her, 0.9, t, 40, 0));
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.25)]
    [InlineData(1.0)]
    public void GoalsLieAfterTheStepInTheSameEpisodeAndTheFinalStateTakesItsShare(double fraction)
    {
        var random = new Random(11);
        const int length = 50, draws = 20_000;
        int finals = 0;
        for (int i = 0; i < draws; i++)
        {
            int goal = HerGoal.SampleGoalStep(random, 0.99, 0, length, fraction);
            Assert.InRange(goal, 1, length);
            if (goal == length) finals++;
            int t = random.Next(length);
            Assert.InRange(HerGoal.SampleGoalStep(random, 0.99, t, length, fraction), t + 1, length);
        }
        // From t = 0 the goal is s_T when the final strategy is drawn or the future offset reaches T.
        double expected = fraction + (1 - fraction) * HindsightGoal.Probability(0.99, length, length);
        Assert.InRange(finals / (double)draws, expected - 0.015, expected + 0.015);
    }

    [Theory]
    [InlineData(-0.1)]
    [InlineData(1.5)]
    [InlineData(double.NaN)]
    public void AFractionOutsideZeroToOneIsRejected(double fraction)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => HerGoal.SampleGoalStep(new Random(1), 0.99, 0, 10, fraction));
        Assert.Contains("[0, 1]", error.Message);
    }
}
