namespace Fathom.Grains.Contracts;

/// <summary>
/// A progress snapshot of one run, cheap to ask for every second. <see cref="EnvSteps"/> is what the replay store
/// received; <see cref="CollectedEpisodes"/> and <see cref="CollectedEnvSteps"/> are what the collectors reported
/// writing, summed over every incarnation of each collector (the two agree unless a collector died between reports).
/// <see cref="Silo"/> is the silo that hosts the experiment grain now.
/// </summary>
[GenerateSerializer, Immutable, Alias("fathom.ExperimentStatus")]
public sealed record ExperimentStatus(
    [property: Id(0)] string Run,
    [property: Id(1)] ExperimentState State,
    [property: Id(2)] string? Error,
    [property: Id(3)] long EnvSteps,
    [property: Id(4)] long BudgetEnvSteps,
    [property: Id(5)] double Seconds,
    [property: Id(6)] LearnerProgress[] Learners,
    [property: Id(7)] CollectorProgress[] Collectors,
    [property: Id(8)] ReplayProgress Replay,
    [property: Id(9)] long PolicyVersion,
    [property: Id(10)] long MaxPolicyLag,
    [property: Id(11)] long CollectedEpisodes,
    [property: Id(12)] long CollectedEnvSteps,
    [property: Id(13)] string Silo = "")
{
    public bool IsOver => State is ExperimentState.Finished or ExperimentState.Stopped or ExperimentState.Failed;
}
