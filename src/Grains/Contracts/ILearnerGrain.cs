namespace Fathom.Grains.Contracts;

/// <summary>
/// One learner of a run (key from <see cref="GrainKeys.Learner"/>). Its training loop runs on a dedicated thread;
/// these calls only start, observe and stop it.
/// </summary>
[Alias("fathom.ILearnerGrain")]
public interface ILearnerGrain : IGrainWithStringKey
{
    /// <summary>Starts training (resuming from the latest checkpoint if there is one). Idempotent while the worker runs; a failed worker is replaced.</summary>
    [Alias("Start")]
    Task Start(LearnerAssignment assignment);

    [Alias("GetStatus")]
    Task<LearnerProgress> GetStatus();

    /// <summary>
    /// Stops training, then evaluates, checkpoints and probes the critic's topology. With <paramref name="drain"/>
    /// (the run reached its budget) it first trains on until its rate limiter allows no more samples, so that every
    /// learner ends with its configured samples per insert; without (a stop on request) it stops after this update.
    /// </summary>
    [Alias("Stop")]
    Task Stop(bool drain);

    /// <summary>The topology probe computed at stop (null until the learner has stopped).</summary>
    [Alias("GetTopology")]
    Task<TopologyGrid?> GetTopology();
}
