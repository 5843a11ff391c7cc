using Fathom.Learner.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Crl;

/// <summary>
/// The actor alone, imported from an <see cref="ActorBlob"/>: what a collector needs to act, without encoders,
/// optimizers or gradients. One policy belongs to one thread.
/// </summary>
public sealed class CrlPolicy : IDisposable
{
    private readonly Device _device;
    private readonly Generator _generator;
    private readonly GoalConditionedActor _actor;

    public int StateDim { get; }
    public int GoalDim { get; }
    public int ActionDim => _actor.ActionDim;

    /// <summary>The learner's update count when the blob was exported: the weights' version.</summary>
    public long UpdateCount { get; }

    private CrlPolicy(ActorBlob.Header header, BinaryReader parameters, long seed, Device device)
    {
        _device = device;
        _generator = new Generator((ulong)seed, device);
        _actor = new GoalConditionedActor(header.Shape, _generator, device);
        TensorStreams.Read(parameters, _actor.Network.Parameters.Values, "actor blob parameters");
        StateDim = header.StateDim;
        GoalDim = header.GoalDim;
        UpdateCount = header.UpdateCount;
    }

    /// <summary>Builds a policy from a blob; a corrupt or foreign blob throws <see cref="InvalidDataException"/>.</summary>
    /// <param name="seed">Seed of this policy's own action noise.</param>
    public static CrlPolicy Import(byte[] blob, long seed = 1, string device = "cpu")
    {
        var (header, parameters) = ActorBlob.Open(blob);
        using (parameters) return new CrlPolicy(header, parameters, seed, new Device(device));
    }

    /// <summary>Batched actions [N, A] in [-1, 1]: stochastic for collecting, tanh(mu) for evaluation.</summary>
    public Tensor Act(Tensor states, Tensor goals, bool deterministic)
    {
        if (states.dim() != 2 || states.shape[1] != StateDim) throw new ArgumentException($"states must be [N, {StateDim}].", nameof(states));
        if (goals.dim() != 2 || goals.shape[1] != GoalDim || goals.shape[0] != states.shape[0]) throw new ArgumentException($"goals must be [N, {GoalDim}] with N = states rows.", nameof(goals));
        return _actor.Act(states.to(_device), goals.to(_device), deterministic, _generator);
    }

    public void Dispose()
    {
        _actor.Dispose();
        _generator.Dispose();
    }
}
