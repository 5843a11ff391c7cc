namespace Fathom.Client.Results;

/// <summary>A learner's final score the way the paper reports it: the mean of its last five evaluations.</summary>
public static class FinalScore
{
    public const int LastEvaluations = 5;

    /// <summary>Mean time at goal, success-any and final distance over the learner's last five evaluations.</summary>
    public static (double TimeAtGoal, double SuccessAny, double FinalDistance) Of(IEnumerable<EvalPoint> curve)
    {
        var last = Last(curve);
        if (last.Count == 0) return (double.NaN, double.NaN, double.NaN);
        return (last.Average(p => p.TimeAtGoal), last.Average(p => p.SuccessAny), last.Average(p => p.FinalDistance));
    }

    /// <summary>The learner's last five evaluations, in order.</summary>
    public static List<EvalPoint> Last(IEnumerable<EvalPoint> curve) =>
        curve.OrderBy(p => p.EnvSteps).ThenBy(p => p.Updates).TakeLast(LastEvaluations).ToList();
}
