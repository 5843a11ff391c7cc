using Fathom.Learner.Crl;
using Fathom.Learner.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Td;

/// <summary>
/// Goal-conditioned soft actor-critic (Haarnoja et al. 2018, as Brax and JaxGCRL implement it): twin critics with
/// Polyak-averaged targets, a tanh-Gaussian actor (CRL's, so its blob is CRL's) and automatic entropy tuning. In one
/// update every gradient is taken on the weights as they were, then all step and the targets follow:
/// <code>
/// r  = 1[ ||s'_goal - g|| &lt; radius ]
/// a' ~ pi(s', g);  y = r + gamma (1 - done) (min_i Q'_i(s', a', g) - alpha log pi(a' | s', g))
/// L_Q     = 0.5 mean_{B, i} (Q_i(s, a, g) - y)^2
/// a~ ~ pi(s, g);   L_pi = mean(alpha log pi(a~) - min_i Q_i(s, a~, g))
/// L_alpha = alpha mean(-log pi(a~) - H_target)
/// Q'_i = (1 - tau) Q'_i + tau Q_i
/// </code>
/// </summary>
public sealed class SacAgent : TdAgent
{
    private readonly FlatParameters _logAlpha;
    private readonly FlatAdam _alphaOptimizer;

    public SacAgent(TdConfig config) : base(config, "sac update")
    {
        _logAlpha = new FlatParameters([[1]], Device);
        using (no_grad()) _logAlpha.Values.fill_(Scalars.Of(config.InitialLogAlpha));
        _alphaOptimizer = new FlatAdam(_logAlpha, config.LearningRate);
    }

    public double Alpha => Math.Exp(_logAlpha.Values.item<float>());

    protected override bool HasAlpha => true;

    protected override string CheckpointMagic => "FATHOM-SAC-CHECKPOINT";

    internal override IEnumerable<AgentCheckpoint.Part> Parts => [.. ActorAndCriticParts, new("log alpha", _logAlpha, _alphaOptimizer)];

    protected override (float[] Values, bool ActorStepped) Step(Tensor states, Tensor actions, Tensor nextStates, Tensor goals, Tensor reward)
    {
        // Both passes' noise is drawn here, in a fixed order, so the passes may run side by side and stay reproducible.
        var shape = new long[] { states.shape[0], Config.ActionDim };
        var nextNoise = randn(shape, generator: Generator, device: Device);
        var noise = randn(shape, generator: Generator, device: Device);
        var (critic, actor) = Passes.Run(
            () => CriticPass(states, actions, goals, reward, () => NextValue(nextStates, goals, nextNoise)),
            () => ActorPass(states, goals, noise));
        var values = cat([critic.narrow(0, 0, 1), actor, critic.narrow(0, 1, 3)]);
        critic.Dispose();
        actor.Dispose();
        return (Gather(values), true);
    }

    /// <summary>The soft value of the next state: min_i Q'_i(s', a', g) - alpha log pi(a' | s', g), a' ~ pi(s', g).</summary>
    private Tensor NextValue(Tensor nextStates, Tensor goals, Tensor nextNoise)
    {
        var (mean, logStd) = Actor.Distribution(nextStates, goals);
        var (nextAction, nextLogProb) = TanhGaussian.Sample(mean, logStd, nextNoise);
        return Critic.TargetMin(nextStates, nextAction, goals).sub(_logAlpha.Values.exp().mul(nextLogProb));
    }

    /// <summary>
    /// Actor and alpha against min Q of the critics as they are, backward restricted to the actor and log-alpha.
    /// Returns [actor loss, alpha loss, alpha].
    /// </summary>
    private Tensor ActorPass(Tensor states, Tensor goals, Tensor noise)
    {
        using var scope = NewDisposeScope();
        var alpha = _logAlpha.Tensors[0].exp().reshape([]);
        var (mean, logStd) = Actor.Distribution(states, goals);
        var (action, logProb) = TanhGaussian.Sample(mean, logStd, noise);
        var q = Critic.Min(states, action, goals);
        var actorLoss = alpha.detach().mul(logProb).sub(q).mean();
        var alphaLoss = alpha.mul(logProb.detach().neg().sub(Scalars.Of(Config.TargetEntropy))).mean();
        autograd.backward([actorLoss.add(alphaLoss, Scalars.One)], null, null, false, [.. Actor.Network.Parameters.Tensors, .. _logAlpha.Tensors]);
        using var _ = no_grad();
        return stack([actorLoss, alphaLoss, alpha.detach()]).DetachFromDisposeScope();
    }

    protected override void Apply(bool actorStepped)
    {
        ActorOptimizer.Step();
        _alphaOptimizer.Step();
        AdvanceCritic();
        Critic.UpdateTargets(Config.Tau);
    }

    public override void Dispose()
    {
        _alphaOptimizer.Dispose();
        _logAlpha.Dispose();
        base.Dispose();
    }
}
