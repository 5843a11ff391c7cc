using System.Runtime.InteropServices;
using Fathom.Learner.Crl;
using Fathom.Learner.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Td;

/// <summary>
/// What SAC and TD3 share: a goal-conditioned actor with the shape and blob of CRL's (so collectors act with it
/// unchanged), a <see cref="TwinCritic"/>, the sparse reward, batch checks and staging, acting, export and
/// checkpoints. A subclass writes its update in <see cref="Step"/>. One agent belongs to one thread.
/// </summary>
public abstract class TdAgent : IGoalAgent
{
    private readonly GoalConditionedActor _actor;
    private readonly TwinCritic _critic;
    private readonly FlatAdam _actorOptimizer;
    private readonly ConcurrentPasses _passes;
    private Tensor[]? _staging;

    public TdConfig Config { get; }

    /// <summary>Applied updates (critic steps) so far.</summary>
    public long UpdateCount { get; private set; }

    /// <summary>Updates skipped because a loss or gradient was not finite.</summary>
    public long SkippedUpdates { get; private set; }

    /// <summary>The networks, for probes and tests; train them only through Update.</summary>
    public GoalConditionedActor Actor => _actor;
    public TwinCritic Critic => _critic;
    public FlatAdam ActorOptimizer => _actorOptimizer;

    protected Device Device { get; }
    protected Generator Generator { get; }
    protected ConcurrentPasses Passes => _passes;

    protected TdAgent(TdConfig config, string name)
    {
        Config = config.Validate();
        Device = new Device(config.Device);
        Generator = new Generator((ulong)config.Seed, Device);
        _actor = new GoalConditionedActor(config.ActorShape, Generator, Device);
        _critic = new TwinCritic(config.CriticShape, config.LearningRate, Generator, Device);
        _actorOptimizer = new FlatAdam(_actor.Network.Parameters, config.LearningRate);
        _passes = new ConcurrentPasses(get_num_threads(), name);
    }

    /// <summary>
    /// One update on B transitions (s, a, s', g) with hindsight goals: the reward is computed from s' and g
    /// (<see cref="SparseReward"/>), then the algorithm's <see cref="Step"/> runs. A non-finite loss or gradient
    /// skips the whole update.
    /// </summary>
    public TdMetrics Update(Tensor states, Tensor actions, Tensor nextStates, Tensor goals)
    {
        long rows = CheckRows(states, Config.StateDim, nameof(states));
        CheckRows(actions, Config.ActionDim, nameof(actions));
        CheckRows(nextStates, Config.StateDim, nameof(nextStates));
        CheckRows(goals, Config.GoalDim, nameof(goals));
        if (actions.shape[0] != rows || nextStates.shape[0] != rows || goals.shape[0] != rows)
            throw new ArgumentException($"states, actions, next states and goals must have the same row count; got {rows}, {actions.shape[0]}, {nextStates.shape[0]}, {goals.shape[0]}.");
        if (rows < 1) throw new ArgumentOutOfRangeException(nameof(states), rows, "a batch needs at least 1 row.");
        using var scope = NewDisposeScope();
        states = states.to(Device);
        actions = actions.to(Device);
        nextStates = nextStates.to(Device);
        goals = goals.to(Device);
        var reward = SparseReward.Compute(nextStates, goals, Config.GoalStart, Config.SuccessRadius);
        foreach (var part in Parts) part.Parameters.ZeroGrad();
        var (values, actorStepped) = Step(states, actions, nextStates, goals, reward);
        bool finite = values.All(float.IsFinite);
        if (finite)
        {
            UpdateCount++;
            Apply(actorStepped);
        }
        else
        {
            SkippedUpdates++;
        }
        return new TdMetrics(values[0], values[1], values[2], values[3], values[4], values[5], values[6], actorStepped && finite, !finite, UpdateCount, SkippedUpdates);
    }

    /// <summary>
    /// Computes every gradient of one update on tensors already on the device, without moving a weight. Returns the
    /// seven metric values [critic loss, actor loss, alpha loss, alpha, mean Q, mean target, reward rate] followed by
    /// one sum per gradient buffer (all must be finite for the update to apply), and whether the actor stepped.
    /// </summary>
    protected abstract (float[] Values, bool ActorStepped) Step(Tensor states, Tensor actions, Tensor nextStates, Tensor goals, Tensor reward);

    /// <summary>Moves the weights after a finite <see cref="Step"/>: optimizers, then targets.</summary>
    protected abstract void Apply(bool actorStepped);

    /// <summary>Every part of the agent in checkpoint order: trained ones with their optimizers, targets without.</summary>
    internal abstract IEnumerable<AgentCheckpoint.Part> Parts { get; }

    /// <summary>The checkpoint's magic, which names the algorithm.</summary>
    protected abstract string CheckpointMagic { get; }

    /// <summary>
    /// One critic pass, the same for both algorithms but for the next state's value: y = r + gamma (1 - done) v' with
    /// <paramref name="nextValue"/> computed without gradient, then the twin regression onto y, backward into both
    /// critics. Returns [critic loss, mean Q_1, mean y, reward rate], detached.
    /// </summary>
    protected Tensor CriticPass(Tensor states, Tensor actions, Tensor goals, Tensor reward, Func<Tensor> nextValue)
    {
        using var scope = NewDisposeScope();
        Tensor target;
        using (no_grad()) target = TdTarget.Compute(reward, nextValue(), Config.Gamma, Config.TerminalOnSuccess);
        var (first, second) = _critic.Values(states, actions, goals);
        var loss = TwinCritic.Loss(first, second, target);
        loss.backward();
        using var _ = no_grad();
        return stack([loss, first.mean(), target.mean(), reward.mean()]).DetachFromDisposeScope();
    }

    /// <summary>The metric values followed by one gradient sum per trained part, in one device sync.</summary>
    protected float[] Gather(Tensor values)
    {
        using var _ = no_grad();
        var sums = Parts.Where(p => p.Optimizer is not null).Select(p => p.Parameters.Gradients.sum().reshape(1));
        return cat([values, .. sums]).cpu().data<float>().ToArray();
    }

    protected void AdvanceCritic() => _critic.Step();

    /// <summary>
    /// The same update from row-major float arrays (B x S, B x A, B x S, B x G), as the replay sampler delivers them:
    /// copied into reused CPU staging tensors, then moved to the agent's device.
    /// </summary>
    public TdMetrics Update(ReadOnlySpan<float> states, ReadOnlySpan<float> actions, ReadOnlySpan<float> nextStates, ReadOnlySpan<float> goals)
    {
        if (states.Length == 0 || states.Length % Config.StateDim != 0)
            throw new ArgumentException($"states must hold B x {Config.StateDim} floats; got {states.Length}.", nameof(states));
        int batch = states.Length / Config.StateDim;
        int[] widths = [Config.StateDim, Config.ActionDim, Config.StateDim, Config.GoalDim];
        string[] names = [nameof(states), nameof(actions), nameof(nextStates), nameof(goals)];
        int[] lengths = [states.Length, actions.Length, nextStates.Length, goals.Length];
        for (int i = 1; i < 4; i++)
            if (lengths[i] != batch * widths[i]) throw new ArgumentException($"{names[i]} must hold {batch} x {widths[i]} floats; got {lengths[i]}.", names[i]);
        if (_staging is null || _staging[0].shape[0] != batch)
        {
            foreach (var t in _staging ?? []) t.Dispose();
            _staging = [.. widths.Select(w => empty(batch, w).DetachFromDisposeScope())];
        }
        states.CopyTo(MemoryMarshal.Cast<byte, float>(_staging[0].bytes));
        actions.CopyTo(MemoryMarshal.Cast<byte, float>(_staging[1].bytes));
        nextStates.CopyTo(MemoryMarshal.Cast<byte, float>(_staging[2].bytes));
        goals.CopyTo(MemoryMarshal.Cast<byte, float>(_staging[3].bytes));
        return Update(_staging[0], _staging[1], _staging[2], _staging[3]);
    }

    bool IGoalAgent.UsesNextStates => true;

    AgentStep IGoalAgent.Update(ReadOnlySpan<float> states, ReadOnlySpan<float> actions, ReadOnlySpan<float> nextStates, ReadOnlySpan<float> goals)
    {
        var m = Update(states, actions, nextStates, goals);
        return new AgentStep(m.Skipped, m.CriticLoss, m.ActorStepped ? m.ActorLoss : null, HasAlpha ? m.Alpha : null, null);
    }

    /// <summary>Whether the algorithm tunes an entropy temperature (SAC) or has none (TD3).</summary>
    protected abstract bool HasAlpha { get; }

    /// <summary>Batched actions [N, A] in [-1, 1]: stochastic for collecting, tanh(mu) for evaluation.</summary>
    public Tensor Act(Tensor states, Tensor goals, bool deterministic)
    {
        CheckRows(states, Config.StateDim, nameof(states));
        CheckRows(goals, Config.GoalDim, nameof(goals));
        return _actor.Act(states.to(Device), goals.to(Device), deterministic, Generator);
    }

    /// <summary>min(Q_1, Q_2)(s, a, g) of the online critics for each row, [N] (the topology probe's value).</summary>
    public Tensor Q(Tensor states, Tensor actions, Tensor goals)
    {
        CheckRows(states, Config.StateDim, nameof(states));
        CheckRows(actions, Config.ActionDim, nameof(actions));
        CheckRows(goals, Config.GoalDim, nameof(goals));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        return scope.MoveToOuter(_critic.Min(states.to(Device), actions.to(Device), goals.to(Device)));
    }

    /// <summary>The actor alone as a CRL-compatible <see cref="ActorBlob"/>, which collectors import as a <see cref="CrlPolicy"/>.</summary>
    public byte[] ExportActor() => ActorBlob.Export(_actor, Config.StateDim, Config.GoalDim, UpdateCount);

    /// <summary>The whole training state: networks, targets, Adam moments, counters and the RNG state.</summary>
    public void Save(Stream stream) => AgentCheckpoint.Write(stream, CheckpointMagic, ShapeText, Parts, UpdateCount, SkippedUpdates, Generator);

    /// <summary>Restores a state written by <see cref="Save"/> for the same algorithm and network shapes.</summary>
    public void Load(Stream stream) => (UpdateCount, SkippedUpdates) = AgentCheckpoint.Read(stream, CheckpointMagic, ShapeText, Parts, Generator);

    private string ShapeText => $"actor {Config.ActorShape}; critic {Config.CriticShape}";

    /// <summary>The actor's and the critics' parts, shared by both algorithms' <see cref="Parts"/>.</summary>
    private protected IEnumerable<AgentCheckpoint.Part> ActorAndCriticParts =>
        [new("actor", _actor.Network.Parameters, _actorOptimizer), .. _critic.Parts];

    private static long CheckRows(Tensor t, int columns, string name)
    {
        if (t.dim() != 2 || t.shape[1] != columns || t.dtype != ScalarType.Float32)
            throw new ArgumentException($"{name} must be float32 [N, {columns}]; got {t.dtype} [{string.Join(", ", t.shape)}].", name);
        return t.shape[0];
    }

    public virtual void Dispose()
    {
        _passes.Dispose();
        _actorOptimizer.Dispose();
        _actor.Dispose();
        _critic.Dispose();
        foreach (var t in _staging ?? []) t.Dispose();
        Generator.Dispose();
        GC.SuppressFinalize(this);
    }
}
