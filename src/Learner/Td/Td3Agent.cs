using Fathom.Learner.Crl;
using Fathom.Learner.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Td;

/// <summary>
/// Goal-conditioned TD3 (Fujimoto et al. 2018, as JaxGCRL implements it): twin critics, target policy smoothing and
/// delayed actor and target updates. Every update steps the critics; every <see cref="TdConfig.PolicyDelay"/>-th also
/// steps the actor and moves all targets (critics and actor) by Polyak averaging:
/// <code>
/// r  = 1[ ||s'_goal - g|| &lt; radius ]
/// a' = clip(mu'(s', g) + clip(N(0, policy noise), -noise clip, noise clip), -1, 1)
/// y  = r + gamma (1 - done) min_i Q'_i(s', a', g);   L_Q = 0.5 mean_{B, i} (Q_i(s, a, g) - y)^2
/// every d-th update: L_mu = -mean Q_1(s, mu(s, g), g); then Q'_i, mu' += tau (online - target)
/// </code>
/// The deterministic policy is mu(s, g) = tanh(mean head) of an actor shaped like CRL's. Its log-std head is set once
/// to the constant log(exploration noise) and never trained (the loss does not read it, so Adam leaves it as it is),
/// so the exported blob is a tanh-Gaussian that collectors sample as tanh(mu + 0.1 eps): TD3's Gaussian exploration
/// noise, applied before the tanh rather than after it (the same near a = 0, smaller near the action bounds).
/// </summary>
public sealed class Td3Agent : TdAgent
{
    private readonly GoalConditionedActor _targetActor;

    /// <summary>Actor steps so far: one per <see cref="TdConfig.PolicyDelay"/> applied updates.</summary>
    public long ActorUpdates => UpdateCount / Config.PolicyDelay;

    public GoalConditionedActor TargetActor => _targetActor;

    public Td3Agent(TdConfig config) : base(config, "td3 update")
    {
        SetExplorationHead(Actor, config.ExplorationNoise);
        _targetActor = new GoalConditionedActor(config.ActorShape, Generator, Device);
        Polyak.Copy(_targetActor.Network.Parameters, Actor.Network.Parameters);
    }

    protected override bool HasAlpha => false;

    protected override string CheckpointMagic => "FATHOM-TD3-CHECKPOINT";

    internal override IEnumerable<AgentCheckpoint.Part> Parts => [.. ActorAndCriticParts, new("target actor", _targetActor.Network.Parameters, null)];

    /// <summary>
    /// Zeroes the weights of the log-std rows of the head and sets their biases so that the squashed log-std is
    /// log(noise): a constant standard deviation, whatever the input.
    /// </summary>
    private static void SetExplorationHead(GoalConditionedActor actor, double noise)
    {
        var tensors = actor.Network.Parameters.Tensors;
        Tensor weight = tensors[^2], bias = tensors[^1];
        int a = actor.ActionDim;
        // LogStd(raw) = min + (max - min) (tanh(raw) + 1) / 2, solved for raw.
        double squashed = 2 * (Math.Log(noise) - TanhGaussian.MinLogStd) / (TanhGaussian.MaxLogStd - TanhGaussian.MinLogStd) - 1;
        using var _ = no_grad();
        weight.narrow(0, a, a).zero_();
        bias.narrow(0, a, a).fill_(Scalars.Of(Math.Atanh(squashed)));
    }

    protected override (float[] Values, bool ActorStepped) Step(Tensor states, Tensor actions, Tensor nextStates, Tensor goals, Tensor reward)
    {
        bool actorStep = (UpdateCount + 1) % Config.PolicyDelay == 0;
        var smoothing = randn(new long[] { states.shape[0], Config.ActionDim }, generator: Generator, device: Device);
        var (critic, actor) = Passes.Run(
            () => CriticPass(states, actions, goals, reward, () => NextValue(nextStates, goals, smoothing)),
            () => actorStep ? ActorPass(states, goals) : zeros(1, device: Device).DetachFromDisposeScope());
        // [critic loss, actor loss, alpha loss 0, alpha 0, mean Q, mean y, reward rate]
        var values = cat([critic.narrow(0, 0, 1), actor, zeros(2, device: Device), critic.narrow(0, 1, 3)]);
        critic.Dispose();
        actor.Dispose();
        return (Gather(values), actorStep);
    }

    /// <summary>The next state's value at the smoothed target action: min_i Q'_i(s', clip(mu'(s', g) + clip(noise), -1, 1), g).</summary>
    private Tensor NextValue(Tensor nextStates, Tensor goals, Tensor smoothing)
    {
        var clip = Config.NoiseClip;
        var noise = smoothing.mul(Scalars.Of(Config.PolicyNoise)).clamp(Scalars.Of(-clip), Scalars.Of(clip));
        var nextAction = _targetActor.Distribution(nextStates, goals).Mean.tanh().add(noise, Scalars.One).clamp(Scalars.Of(-1.0), Scalars.Of(1.0));
        return Critic.TargetMin(nextStates, nextAction, goals);
    }

    /// <summary>The deterministic policy gradient through Q_1 as it is, backward restricted to the actor. Returns [actor loss].</summary>
    private Tensor ActorPass(Tensor states, Tensor goals)
    {
        using var scope = NewDisposeScope();
        var action = Actor.Distribution(states, goals).Mean.tanh();
        var loss = Critic.First.Forward(cat([states, action, goals], 1)).mean().neg();
        autograd.backward([loss], null, null, false, [.. Actor.Network.Parameters.Tensors]);
        using var _ = no_grad();
        return loss.detach().reshape(1).DetachFromDisposeScope();
    }

    protected override void Apply(bool actorStepped)
    {
        AdvanceCritic();
        if (!actorStepped) return;
        ActorOptimizer.Step();
        Critic.UpdateTargets(Config.Tau);
        Polyak.Update(_targetActor.Network.Parameters, Actor.Network.Parameters, Config.Tau);
    }

    public override void Dispose()
    {
        _targetActor.Dispose();
        base.Dispose();
    }
}
