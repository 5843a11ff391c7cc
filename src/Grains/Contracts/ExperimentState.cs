namespace Fathom.Grains.Contracts;

/// <summary>Life cycle of an experiment (and of each of its workers).</summary>
[GenerateSerializer, Alias("fathom.ExperimentState")]
public enum ExperimentState
{
    NotStarted,
    Running,

    /// <summary>The budget was reached or a stop was asked for; workers are finishing (final evaluation, checkpoint, probe).</summary>
    Stopping,
    Finished,
    Stopped,
    Failed,
}
