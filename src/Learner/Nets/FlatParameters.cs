using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Nets;

/// <summary>
/// All parameters of one network as views into a single contiguous buffer, and their gradients as views into a
/// second one. Autograd accumulates into the gradient views in place, so the optimizer, the finiteness check and
/// checkpoints each touch two large tensors instead of hundreds of small ones.
/// </summary>
public sealed class FlatParameters : IDisposable
{
    private readonly List<Tensor> _views = [];

    /// <summary>The parameter values, [Count], contiguous.</summary>
    public Tensor Values { get; }

    /// <summary>The accumulated gradients, [Count], contiguous; zeroed by <see cref="ZeroGrad"/>.</summary>
    public Tensor Gradients { get; }

    /// <summary>The leaf parameter tensors (views of <see cref="Values"/>) in allocation order.</summary>
    public IReadOnlyList<Tensor> Tensors => _views;

    public long Count { get; }

    public FlatParameters(IReadOnlyList<long[]> shapes, Device device)
    {
        Count = shapes.Sum(s => s.Aggregate(1L, (a, b) => a * b));
        // Owned for the network's lifetime, never by a caller's dispose scope.
        Values = zeros(Count, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
        Gradients = zeros(Count, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
        long offset = 0;
        foreach (var shape in shapes)
        {
            long n = shape.Aggregate(1L, (a, b) => a * b);
            // Every slice held until the native op on it returns: networks are also built outside dispose scopes (a
            // collector importing a policy), where an unheld temporary can be finalized mid-call.
            using var slice = Values.narrow(0, offset, n);
            using var gradientSlice = Gradients.narrow(0, offset, n);
            using var gradient = gradientSlice.view(shape);
            var view = slice.view(shape).DetachFromDisposeScope();
            view.requires_grad_(true);
            view.grad = gradient;
            _views.Add(view);
            offset += n;
        }
    }

    public void ZeroGrad() => Gradients.zero_();

    public void Dispose()
    {
        foreach (var view in _views) view.Dispose();
        Values.Dispose();
        Gradients.Dispose();
    }
}
