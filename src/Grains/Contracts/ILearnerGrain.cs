namespace Fathom.Grains.Contracts;

/// <summary>
/// One learner of a run (key from <see cref="GrainKeys.Learner"/>). Its training loop runs on a dedicated thread;
/// these calls only start, observe and stop it.
/// </summary>
[Alias("fathom.ILearnerGrain")]
public interface ILearnerGrain : IGrainWithStringKey
{
    /// <summary>Starts training (resuming from the latest checkpoint if there is one). Idempotent.</summary>
    [Alias("Start")]
    Task Start(LearnerAssignment assignment);

    [Alias("GetStatus")]
    Task<LearnerProgress> GetStatus();

    /// <summary>Stops training after the current update, writes a final checkpoint and, if asked, probes the critic's topology.</summary>
    [Alias("Stop")]
    Task Stop(bool probeTopology);

    /// <summary>The topology probe computed at stop (or null if none was asked for or it failed).</summary>
    [Alias("GetTopology")]
    Task<TopologyGrid?> GetTopology();
}
