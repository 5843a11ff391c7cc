namespace Fathom.Grains.Contracts;

/// <summary>
/// One collector of a run (key from <see cref="GrainKeys.Collector"/>). Its environment loop runs on a dedicated
/// thread; these calls only start, observe and stop it.
/// </summary>
[Alias("fathom.ICollectorGrain")]
public interface ICollectorGrain : IGrainWithStringKey
{
    /// <summary>Starts collecting. Idempotent while the worker runs; a failed worker is replaced.</summary>
    [Alias("Start")]
    Task Start(CollectorAssignment assignment);

    [Alias("GetStatus")]
    Task<CollectorProgress> GetStatus();

    /// <summary>
    /// Asks the worker to stop and returns at once; the worker finishes the batch of episodes it is stepping and writes
    /// it before its loop ends (its status then leaves Running).
    /// </summary>
    [Alias("Stop")]
    Task Stop();
}
