using Fathom.Learner.Crl;

namespace Fathom.Learner.Td;

/// <summary>
/// Hindsight goals for TD learning (Andrychowicz et al. 2017), always from the transition's own episode. The replay
/// keeps states and actions only, not the goal an episode was commanded to reach, so HER's "original goal" is not
/// available; the strategies offered are "future" with CRL's geometric offsets (crl-spec section 4) and, for a set
/// fraction of rows, "final": the episode's last state s_T.
/// </summary>
public static class HerGoal
{
    /// <summary>
    /// The step whose state gives the goal of the transition at <paramref name="step"/> (of an episode of
    /// <paramref name="length"/> transitions): T with probability <paramref name="finalFraction"/>, else step + k with
    /// k drawn as <see cref="HindsightGoal.SampleOffset"/> draws it. With fraction 0 it draws exactly what CRL draws.
    /// </summary>
    public static int SampleGoalStep(Random random, double gamma, int step, int length, double finalFraction)
    {
        if (step < 0 || step >= length) throw new ArgumentOutOfRangeException(nameof(step), step, $"step must be in [0, length = {length}).");
        CheckFraction(finalFraction);
        if (finalFraction > 0 && random.NextDouble() < finalFraction) return length;
        return step + HindsightGoal.SampleOffset(random, gamma, length - step);
    }

    /// <summary>Throws unless the fraction of final-state goals is in [0, 1].</summary>
    public static void CheckFraction(double finalFraction)
    {
        if (!(finalFraction >= 0 && finalFraction <= 1))
            throw new ArgumentOutOfRangeException(nameof(finalFraction), finalFraction, $"the fraction of final-state goals must be in [0, 1]; got {finalFraction}.");
    }
}
