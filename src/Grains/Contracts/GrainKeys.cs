namespace Fathom.Grains.Contracts;

/// <summary>The one home of grain key formats: a run's workers are keyed under the run name.</summary>
public static class GrainKeys
{
    public static string Learner(string run, string learner) => $"{run}/learner/{learner}";

    public static string Collector(string run, int index) => $"{run}/collector/{index}";
}
