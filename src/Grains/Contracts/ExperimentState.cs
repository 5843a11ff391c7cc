namespace Fathom.Grains.Contracts;

/// <summary>Life cycle of an experiment (and of each of its workers).</summary>
[GenerateSerializer, Alias("fathom.ExperimentState")]
public enum ExperimentState
{
    NotStarted,
    Running,
    Finished,
    Stopped,
    Failed,
}
