using Fathom.Learner.Nets;
using static TorchSharp.torch;

namespace Fathom.Learner.Td;

/// <summary>Soft target updates on flat parameter buffers: two whole-buffer ops per network.</summary>
public static class Polyak
{
    /// <summary>target = (1 - tau) target + tau online, in place.</summary>
    public static void Update(FlatParameters target, FlatParameters online, double tau)
    {
        if (target.Count != online.Count) throw new ArgumentException($"target holds {target.Count} parameters, online {online.Count}.", nameof(target));
        using var _ = no_grad();
        target.Values.mul_(Scalars.Of(1 - tau)).add_(online.Values, alpha: Scalars.Of(tau));
    }

    /// <summary>target = online, in place (the start of training: targets begin as copies).</summary>
    public static void Copy(FlatParameters target, FlatParameters online)
    {
        if (target.Count != online.Count) throw new ArgumentException($"target holds {target.Count} parameters, online {online.Count}.", nameof(target));
        using var _ = no_grad();
        target.Values.copy_(online.Values);
    }
}
