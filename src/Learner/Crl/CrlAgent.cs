using System.Runtime.InteropServices;
using Fathom.Learner.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Crl;

/// <summary>
/// Contrastive RL (crl-spec sections 2-3): a state-action encoder phi, a goal encoder psi, a goal-conditioned
/// tanh-Gaussian actor and a learnable log-alpha, each with its own Adam. One agent belongs to one thread, which
/// also fixes its intra-op thread budget (<c>torch.get_num_threads()</c> when the agent is made).
/// </summary>
public sealed class CrlAgent : IGoalAgent
{
    private readonly Device _device;
    private readonly Generator _generator;
    private readonly GoalConditionedActor _actor;
    private readonly ResidualMlp _stateActionEncoder;
    private readonly ResidualMlp _goalEncoder;
    private readonly FlatParameters _logAlpha;
    private readonly FlatAdam _actorOptimizer;
    private readonly FlatAdam _stateActionOptimizer;
    private readonly FlatAdam _goalOptimizer;
    private readonly FlatAdam _alphaOptimizer;
    private readonly ConcurrentPasses _passes;
    private (Tensor States, Tensor Actions, Tensor Goals)? _staging;

    public CrlConfig Config { get; }

    /// <summary>Updates applied so far.</summary>
    public long UpdateCount { get; private set; }

    /// <summary>Updates skipped because a loss or gradient was not finite.</summary>
    public long SkippedUpdates { get; private set; }

    public double Alpha => Math.Exp(_logAlpha.Values.item<float>());

    /// <summary>The networks, for probes, benchmarks and tests; train them only through <see cref="Update"/>.</summary>
    public GoalConditionedActor Actor => _actor;
    public ResidualMlp StateActionEncoder => _stateActionEncoder;
    public ResidualMlp GoalEncoder => _goalEncoder;

    public CrlAgent(CrlConfig config)
    {
        Config = config.Validate();
        _device = new Device(config.Device);
        _generator = new Generator((ulong)config.Seed, _device);
        _actor = new GoalConditionedActor(config.ActorShape, _generator, _device);
        _stateActionEncoder = new ResidualMlp(config.StateActionEncoderShape, _generator, _device);
        _goalEncoder = new ResidualMlp(config.GoalEncoderShape, _generator, _device);
        _logAlpha = new FlatParameters([[1]], _device);
        using (no_grad()) _logAlpha.Values.fill_(Scalars.Of(config.InitialLogAlpha));
        _actorOptimizer = new FlatAdam(_actor.Network.Parameters, config.LearningRate);
        _stateActionOptimizer = new FlatAdam(_stateActionEncoder.Parameters, config.LearningRate);
        _goalOptimizer = new FlatAdam(_goalEncoder.Parameters, config.LearningRate);
        _alphaOptimizer = new FlatAdam(_logAlpha, config.LearningRate);
        _passes = new ConcurrentPasses(get_num_threads(), "crl update");
    }

    /// <summary>
    /// One SGD step on a minibatch of B hindsight triples: the actor and alpha step against the critic as it was,
    /// then the critic steps on the same minibatch. All gradients are taken before any weight moves (the critic's
    /// loss does not depend on the actor), so a non-finite value anywhere skips the whole update. The critic pass and
    /// the actor pass touch disjoint parameters and run side by side (<see cref="ConcurrentPasses"/>).
    /// </summary>
    public CrlMetrics Update(Tensor states, Tensor actions, Tensor goals)
    {
        long batch = CheckBatch(states, actions, goals, minRows: 2);
        using var scope = NewDisposeScope();
        states = states.to(_device);
        actions = actions.to(_device);
        goals = goals.to(_device);
        foreach (var p in AllParameters) p.ZeroGrad();

        // psi(g) once, here: the critic pass trains through it, the actor pass reads it detached.
        var psi = _goalEncoder.Forward(goals);
        var psiValue = psi.detach();
        var (critic, actor) = _passes.Run(() => CriticPass(states, actions, psi, batch), () => ActorPass(states, goals, psiValue));
        scope.Attach([critic, actor]);

        // One device sync for the finiteness check and the metrics: a sum is finite only if every term is (a finite
        // sum that overflows float32 is skipped too, which is what we want for gradients that large).
        float[] values;
        using (no_grad())
        {
            var gradientSums = AllParameters.Select(p => p.Gradients.sum().reshape(1));
            values = cat([critic, actor, .. gradientSums]).cpu().data<float>().ToArray();
        }
        float criticLoss = values[0], actorLoss = values[CriticValues], alphaLoss = values[CriticValues + 1];
        bool finite = float.IsFinite(criticLoss) && float.IsFinite(actorLoss) && float.IsFinite(alphaLoss)
            && values.Skip(CriticValues + ActorValues).All(float.IsFinite);
        if (finite)
        {
            _actorOptimizer.Step();
            _alphaOptimizer.Step();
            _stateActionOptimizer.Step();
            _goalOptimizer.Step();
            UpdateCount++;
        }
        else
        {
            SkippedUpdates++;
        }
        return new CrlMetrics(criticLoss, actorLoss, alphaLoss, Alpha: values[CriticValues + 2], Entropy: values[CriticValues + 3],
            CategoricalAccuracy: values[1], MeanPositiveLogit: values[2], MeanNegativeLogit: values[3], LogSumExp: values[4],
            Skipped: !finite, UpdateCount, SkippedUpdates);
    }

    private const int CriticValues = 5, ActorValues = 4;

    /// <summary>
    /// Critic: phi(s, a) against psi(g) for every pair of the batch, positives on the diagonal; backward into both
    /// encoders. Returns [loss, categorical accuracy, mean positive, mean negative, mean logsumexp].
    /// </summary>
    private Tensor CriticPass(Tensor states, Tensor actions, Tensor psi, long batch)
    {
        using var scope = NewDisposeScope();
        var phi = _stateActionEncoder.Forward(cat([states, actions], 1));
        var logits = Energies.Pairwise(Config.Energy, phi, psi, Config.DistanceEpsilon);
        var loss = ContrastiveLosses.Compute(Config.Loss, logits, Config.LogSumExpPenalty);
        loss.backward();
        using var _ = no_grad();
        var diagonal = logits.diagonal();
        var accuracy = logits.argmax(1).eq(arange(batch, device: _device)).to(ScalarType.Float32).mean();
        var negatives = (logits.sum() - diagonal.sum()).div(Scalars.Of(batch * (batch - 1)));
        return stack([loss, accuracy, diagonal.mean(), negatives, logits.logsumexp(1).mean()]).DetachFromDisposeScope();
    }

    /// <summary>
    /// Actor and alpha: Q(s, pi(s, g), g) through the critic as it is, with backward restricted to the actor and
    /// log-alpha so that no critic weight gradient is computed. Returns [actor loss, alpha loss, alpha, entropy].
    /// </summary>
    private Tensor ActorPass(Tensor states, Tensor goals, Tensor psi)
    {
        using var scope = NewDisposeScope();
        var alpha = _logAlpha.Tensors[0].exp();
        var (sampled, logProb) = _actor.Sample(states, goals, _generator);
        var q = Energies.Matched(Config.Energy, _stateActionEncoder.Forward(cat([states, sampled], 1)), psi, Config.DistanceEpsilon);
        var actorLoss = (alpha.detach() * logProb - q).mean();
        var alphaLoss = (alpha * (-logProb.detach()).sub(Scalars.Of(Config.TargetEntropy))).mean();
        autograd.backward([actorLoss.add(alphaLoss, Scalars.One)], null, null, false, [.. _actor.Network.Parameters.Tensors, .. _logAlpha.Tensors]);
        using var _ = no_grad();
        return stack([actorLoss, alphaLoss, alpha.reshape([]), -logProb.mean()]).DetachFromDisposeScope();
    }

    /// <summary>
    /// The same update from row-major float arrays (B x StateDim, B x ActionDim, B x GoalDim), as the replay sampler
    /// delivers them (the learner worker's path): copied into reused CPU staging tensors rather than a new tensor per
    /// call, then moved to the agent's device.
    /// </summary>
    public CrlMetrics Update(ReadOnlySpan<float> states, ReadOnlySpan<float> actions, ReadOnlySpan<float> goals)
    {
        if (states.Length == 0 || states.Length % Config.StateDim != 0)
        {
            throw new ArgumentException($"states must hold B x {Config.StateDim} floats; got {states.Length}.", nameof(states));
        }
        int batch = states.Length / Config.StateDim;
        if (actions.Length != batch * Config.ActionDim) throw new ArgumentException($"actions must hold {batch} x {Config.ActionDim} floats; got {actions.Length}.", nameof(actions));
        if (goals.Length != batch * Config.GoalDim) throw new ArgumentException($"goals must hold {batch} x {Config.GoalDim} floats; got {goals.Length}.", nameof(goals));
        if (_staging is null || _staging.Value.States.shape[0] != batch)
        {
            _staging?.States.Dispose();
            _staging?.Actions.Dispose();
            _staging?.Goals.Dispose();
            _staging = (empty(batch, Config.StateDim).DetachFromDisposeScope(), empty(batch, Config.ActionDim).DetachFromDisposeScope(),
                empty(batch, Config.GoalDim).DetachFromDisposeScope());
        }
        var (s, a, g) = _staging.Value;
        states.CopyTo(MemoryMarshal.Cast<byte, float>(s.bytes));
        actions.CopyTo(MemoryMarshal.Cast<byte, float>(a.bytes));
        goals.CopyTo(MemoryMarshal.Cast<byte, float>(g.bytes));
        return Update(s, a, g);
    }

    bool IGoalAgent.UsesNextStates => false;

    /// <summary>The learner loop's update: next states are not read by the contrastive critic.</summary>
    AgentStep IGoalAgent.Update(ReadOnlySpan<float> states, ReadOnlySpan<float> actions, ReadOnlySpan<float> nextStates, ReadOnlySpan<float> goals)
    {
        var m = Update(states, actions, goals);
        return new AgentStep(m.Skipped, m.CriticLoss, m.ActorLoss, m.Alpha, m.CategoricalAccuracy);
    }

    /// <summary>Batched actions [N, A] in [-1, 1]: stochastic for collecting, tanh(mu) for evaluation.</summary>
    public Tensor Act(Tensor states, Tensor goals, bool deterministic)
    {
        CheckRows(states, Config.StateDim, nameof(states));
        CheckRows(goals, Config.GoalDim, nameof(goals));
        return _actor.Act(states.to(_device), goals.to(_device), deterministic, _generator);
    }

    /// <summary>The critic value Q(s, a, g) = energy(phi(s, a), psi(g)) for each row, [N].</summary>
    public Tensor Q(Tensor states, Tensor actions, Tensor goals)
    {
        CheckBatch(states, actions, goals, minRows: 1);
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var phi = _stateActionEncoder.Forward(cat([states.to(_device), actions.to(_device)], 1));
        var psi = _goalEncoder.Forward(goals.to(_device));
        return scope.MoveToOuter(Energies.Matched(Config.Energy, phi, psi, Config.DistanceEpsilon));
    }

    /// <summary>The actor alone as a versioned blob (the weight store checksums it) for <see cref="CrlPolicy.Import"/>.</summary>
    public byte[] ExportActor() => ActorBlob.Export(_actor, Config.StateDim, Config.GoalDim, UpdateCount);

    /// <summary>The whole training state: all networks, Adam moments, log-alpha, counters and the RNG state.</summary>
    public void Save(Stream stream) => AgentCheckpoint.Write(stream, this);

    /// <summary>Restores a state written by <see cref="Save"/> for the same network shapes; continuing is bit-identical.</summary>
    public void Load(Stream stream) => AgentCheckpoint.Read(stream, this);

    internal IEnumerable<(string Name, FlatParameters Parameters, FlatAdam Optimizer)> TrainedParts =>
    [
        ("actor", _actor.Network.Parameters, _actorOptimizer),
        ("state-action encoder", _stateActionEncoder.Parameters, _stateActionOptimizer),
        ("goal encoder", _goalEncoder.Parameters, _goalOptimizer),
        ("log alpha", _logAlpha, _alphaOptimizer),
    ];

    internal Generator Generator => _generator;

    internal void RestoreCounters(long updateCount, long skippedUpdates)
    {
        UpdateCount = updateCount;
        SkippedUpdates = skippedUpdates;
    }

    private IEnumerable<FlatParameters> AllParameters => TrainedParts.Select(part => part.Parameters);

    private long CheckBatch(Tensor states, Tensor actions, Tensor goals, int minRows)
    {
        long rows = CheckRows(states, Config.StateDim, nameof(states));
        CheckRows(actions, Config.ActionDim, nameof(actions));
        CheckRows(goals, Config.GoalDim, nameof(goals));
        if (actions.shape[0] != rows || goals.shape[0] != rows)
        {
            throw new ArgumentException($"states, actions and goals must have the same row count; got {rows}, {actions.shape[0]}, {goals.shape[0]}.");
        }
        if (rows < minRows) throw new ArgumentOutOfRangeException(nameof(states), rows, $"a batch needs at least {minRows} rows; got {rows}.");
        return rows;
    }

    private static long CheckRows(Tensor t, int columns, string name)
    {
        if (t.dim() != 2 || t.shape[1] != columns || t.dtype != ScalarType.Float32)
        {
            throw new ArgumentException($"{name} must be float32 [N, {columns}]; got {t.dtype} [{string.Join(", ", t.shape)}].", name);
        }
        return t.shape[0];
    }

    public void Dispose()
    {
        _passes.Dispose();
        foreach (var (_, _, optimizer) in TrainedParts.ToList()) optimizer.Dispose();
        _actor.Dispose();
        _stateActionEncoder.Dispose();
        _goalEncoder.Dispose();
        _logAlpha.Dispose();
        _staging?.States.Dispose();
        _staging?.Actions.Dispose();
        _staging?.Goals.Dispose();
        _generator.Dispose();
    }
}
