using Fathom.Learner.Crl;
using Fathom.Learner.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Td;

/// <summary>
/// Two Q networks Q_i(s, a, g) on concat(state, action, goal), each with its own Adam and a target copy that follows
/// it by Polyak averaging (Fujimoto et al.'s clipped double Q, as SAC and TD3 use it).
/// </summary>
public sealed class TwinCritic : IDisposable
{
    private readonly FlatAdam _firstOptimizer;
    private readonly FlatAdam _secondOptimizer;

    public ResidualMlp First { get; }
    public ResidualMlp Second { get; }
    public ResidualMlp FirstTarget { get; }
    public ResidualMlp SecondTarget { get; }

    public TwinCritic(MlpShape shape, double learningRate, Generator generator, Device device)
    {
        if (shape.OutputDim != 1) throw new ArgumentOutOfRangeException(nameof(shape), shape.OutputDim, "a Q network has one output.");
        First = new ResidualMlp(shape, generator, device);
        Second = new ResidualMlp(shape, generator, device);
        FirstTarget = new ResidualMlp(shape, generator, device);
        SecondTarget = new ResidualMlp(shape, generator, device);
        Polyak.Copy(FirstTarget.Parameters, First.Parameters);
        Polyak.Copy(SecondTarget.Parameters, Second.Parameters);
        _firstOptimizer = new FlatAdam(First.Parameters, learningRate);
        _secondOptimizer = new FlatAdam(Second.Parameters, learningRate);
    }

    /// <summary>Both online values, each [B], with gradients to the critics.</summary>
    public (Tensor First, Tensor Second) Values(Tensor states, Tensor actions, Tensor goals)
    {
        var input = cat([states, actions, goals], 1);
        return (First.Forward(input).squeeze(1), Second.Forward(input).squeeze(1));
    }

    /// <summary>min(Q_1, Q_2) of the online critics, [B] (the actor's objective and the probe's Q).</summary>
    public Tensor Min(Tensor states, Tensor actions, Tensor goals)
    {
        var (first, second) = Values(states, actions, goals);
        return minimum(first, second);
    }

    /// <summary>min(Q'_1, Q'_2) of the target critics, [B], without gradient: the value inside the TD target.</summary>
    public Tensor TargetMin(Tensor states, Tensor actions, Tensor goals)
    {
        using var _ = no_grad();
        var input = cat([states, actions, goals], 1);
        return minimum(FirstTarget.Forward(input), SecondTarget.Forward(input)).squeeze(1);
    }

    /// <summary>Brax's critic loss: 0.5 mean over the batch and both critics of (Q_i - y)^2.</summary>
    public static Tensor Loss(Tensor first, Tensor second, Tensor target) =>
        first.sub(target).Squared().mean().add(second.sub(target).Squared().mean(), Scalars.One).mul(Scalars.Of(0.25));

    public void ZeroGrad()
    {
        First.Parameters.ZeroGrad();
        Second.Parameters.ZeroGrad();
    }

    /// <summary>One Adam step of both online critics from their accumulated gradients.</summary>
    public void Step()
    {
        _firstOptimizer.Step();
        _secondOptimizer.Step();
    }

    /// <summary>Both targets one Polyak step towards their online critics.</summary>
    public void UpdateTargets(double tau)
    {
        Polyak.Update(FirstTarget.Parameters, First.Parameters, tau);
        Polyak.Update(SecondTarget.Parameters, Second.Parameters, tau);
    }

    /// <summary>Online parameters with their optimizers, then the targets, in checkpoint order.</summary>
    internal IEnumerable<AgentCheckpoint.Part> Parts =>
    [
        new("critic 1", First.Parameters, _firstOptimizer),
        new("critic 2", Second.Parameters, _secondOptimizer),
        new("target critic 1", FirstTarget.Parameters, null),
        new("target critic 2", SecondTarget.Parameters, null),
    ];

    public void Dispose()
    {
        _firstOptimizer.Dispose();
        _secondOptimizer.Dispose();
        First.Dispose();
        Second.Dispose();
        FirstTarget.Dispose();
        SecondTarget.Dispose();
    }
}
