using static TorchSharp.torch;

namespace Fathom.Learner;

/// <summary>
/// What a learner process needs of a goal-conditioned agent, whatever its algorithm (CRL, SAC, TD3): update from a
/// minibatch, act, the critic's value for the topology probe, the actor blob collectors import, and the whole state
/// for checkpoints. One agent belongs to one thread.
/// </summary>
public interface IGoalAgent : IDisposable
{
    /// <summary>Applied updates so far: the version stamped on exported actors and checkpoints.</summary>
    long UpdateCount { get; }

    /// <summary>Whether <see cref="Update"/> reads next states (TD targets do; CRL's contrastive critic does not).</summary>
    bool UsesNextStates { get; }

    /// <summary>One update from row-major arrays (B x S, B x A, B x S or empty, B x G).</summary>
    AgentStep Update(ReadOnlySpan<float> states, ReadOnlySpan<float> actions, ReadOnlySpan<float> nextStates, ReadOnlySpan<float> goals);

    /// <summary>Batched actions [N, A] in [-1, 1]: stochastic for collecting, deterministic for evaluation.</summary>
    Tensor Act(Tensor states, Tensor goals, bool deterministic);

    /// <summary>The critic's value Q(s, a, g) for each row, [N].</summary>
    Tensor Q(Tensor states, Tensor actions, Tensor goals);

    /// <summary>The actor as an actor blob (Crl.ActorBlob) that collectors import.</summary>
    byte[] ExportActor();

    /// <summary>The whole training state.</summary>
    void Save(Stream stream);

    /// <summary>Restores a state written by <see cref="Save"/> of the same algorithm and shapes.</summary>
    void Load(Stream stream);
}

/// <summary>What every algorithm's update reports to the learner loop's metrics.</summary>
/// <param name="Skipped">Not applied: a loss or gradient was not finite.</param>
/// <param name="CriticLoss">The critic's loss.</param>
/// <param name="ActorLoss">The actor's loss; null when the actor did not step (TD3 between delayed updates).</param>
/// <param name="Alpha">The entropy temperature; null for an algorithm without one (TD3).</param>
/// <param name="Accuracy">The contrastive critic's categorical accuracy; null for TD critics.</param>
public sealed record AgentStep(bool Skipped, float CriticLoss, float? ActorLoss, float? Alpha, float? Accuracy);
