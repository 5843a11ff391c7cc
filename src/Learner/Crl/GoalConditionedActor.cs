using Fathom.Learner.Nets;
using static TorchSharp.torch;

namespace Fathom.Learner.Crl;

/// <summary>
/// The policy network: a residual MLP on concat(state, goal) whose head holds |A| means and |A| raw log-stds.
/// One home for acting, shared by the learner's agent and the collectors' actor-only policy.
/// </summary>
public sealed class GoalConditionedActor : IDisposable
{
    public ResidualMlp Network { get; }

    public int ActionDim { get; }

    public GoalConditionedActor(MlpShape shape, Generator generator, Device device)
    {
        if (shape.OutputDim % 2 != 0) throw new ArgumentOutOfRangeException(nameof(shape), shape.OutputDim, "actor output must be 2 x ActionDim.");
        Network = new ResidualMlp(shape, generator, device);
        ActionDim = shape.OutputDim / 2;
    }

    /// <summary>The Gaussian before squashing: means and log-stds, each [N, A].</summary>
    public (Tensor Mean, Tensor LogStd) Distribution(Tensor states, Tensor goals)
    {
        var heads = Network.Forward(cat([states, goals], 1));
        return (heads.narrow(1, 0, ActionDim), TanhGaussian.LogStd(heads.narrow(1, ActionDim, ActionDim)));
    }

    /// <summary>A reparameterised sample and its log-probability, [N, A] and [N].</summary>
    public (Tensor Action, Tensor LogProb) Sample(Tensor states, Tensor goals, Generator generator)
    {
        var (mean, logStd) = Distribution(states, goals);
        var noise = randn(mean.shape, dtype: mean.dtype, device: mean.device, generator: generator);
        return TanhGaussian.Sample(mean, logStd, noise);
    }

    /// <summary>Actions in [-1, 1], [N, A]: a sample while collecting, tanh(mu) in evaluation. No gradients.</summary>
    public Tensor Act(Tensor states, Tensor goals, bool deterministic, Generator generator)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var action = deterministic ? Distribution(states, goals).Mean.tanh() : Sample(states, goals, generator).Action;
        return scope.MoveToOuter(action);
    }

    public void Dispose() => Network.Dispose();
}
