using Fathom.Grains.Stores;
using Fathom.Learner;
using Fathom.Learner.Crl;

namespace Fathom.Grains.Workers;

/// <summary>
/// A learner's checkpointer: restores its whole state (networks, optimiser moments, update count) from the latest
/// checkpoint when it starts, so that a learner restarted on another silo goes on where it was, and saves it.
/// </summary>
public sealed class Checkpointer(CheckpointStore checkpoints, string run, string learner)
{
    /// <summary>Loads the latest checkpoint into <paramref name="agent"/>; false when there is none (a fresh start).</summary>
    public bool Restore(IGoalAgent agent, CancellationToken cancellation)
    {
        if (WorkerThread.Wait(checkpoints.LoadLatest(run, learner, cancellation)) is not { } saved) return false;
        agent.Load(new MemoryStream(saved.State));
        return true;
    }

    /// <summary>Saves <paramref name="agent"/> as the latest checkpoint, at its update count.</summary>
    public void Save(IGoalAgent agent, CancellationToken cancellation)
    {
        using var buffer = new MemoryStream();
        agent.Save(buffer);
        WorkerThread.Wait(checkpoints.Save(run, learner, agent.UpdateCount, buffer.ToArray(), cancellation));
    }
}
