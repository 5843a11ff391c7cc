using Fathom.Grains.Specs;
using Fathom.Learner.Crl;
using Fathom.Learner.Envs;
using Fathom.Learner.Evaluation;
using Fathom.Replay;
using TorchSharp;

namespace Fathom.Grains.Workers;

/// <summary>
/// Acme's environment loop of one collector: steps its N envs together, one whole episode each, with the policy its
/// variable client holds (stochastic; uniformly random before the first weights), and slices the N finished episodes
/// out of the batch-major buffers. Envs and policy live on the worker's device; episodes are CPU copies.
/// </summary>
public sealed class EnvironmentLoop : IDisposable
{
    private readonly PointMaze _env;
    private readonly EpisodeLayout _layout;
    private readonly string _producer;
    private readonly int _refreshSteps;
    private readonly BatchPolicy _random;
    private long _sequence;

    /// <param name="producer">Names this incarnation's episodes (with a sequence number each), so that ids never repeat.</param>
    /// <param name="refreshSteps">K: the loop asks for the current policy at the first step and every K steps.</param>
    public EnvironmentLoop(EnvironmentSpec spec, int envs, long seed, EpisodeLayout layout, string producer, int refreshSteps, string device)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(refreshSteps);
        _layout = layout;
        _producer = producer;
        _refreshSteps = refreshSteps;
        _random = RandomPolicy.Create(layout.ActionDim, seed); // draws on the CPU (the same actions on any device), returned on the env's device
        _env = EnvironmentFactory.Train(spec, envs, seed, device);
        _env.Reset();
    }

    public int Envs => _env.NumEnvs;

    public int EpisodeLength => _env.EpisodeLength;

    /// <summary>Most floats one chunk buffer may hold: a .NET array's limit.</summary>
    public static long MaxChunkBufferFloats => Array.MaxLength;

    /// <summary>
    /// Floats of the largest buffer <see cref="Collect"/> allocates: the states of the whole chunk, (length + 1) x N x
    /// state size (the actions, length x N x action size, when an action is larger); at most <see cref="MaxChunkBufferFloats"/>.
    /// </summary>
    public static long ChunkBufferFloats(int envs, int length, EpisodeLayout layout) =>
        Math.Max((long)(length + 1) * envs * layout.StateDim, (long)length * envs * layout.ActionDim);

    /// <summary>Transitions of one chunk: N envs x episode length.</summary>
    public long ChunkTransitions => (long)Envs * EpisodeLength;

    /// <summary>
    /// One chunk: an episode from every env. <paramref name="policy"/> is asked at step 0 and every K steps for the
    /// policy to act with and its version (null: act at random); the episodes carry the version of step 0.
    /// </summary>
    public Chunk Collect(Func<(CrlPolicy? Policy, long Version)> policy)
    {
        int n = Envs, length = EpisodeLength, s = _layout.StateDim, a = _layout.ActionDim;
        var states = new float[(length + 1) * n * s];
        var actions = new float[length * n * a];
        var atGoal = new float[n];
        CrlPolicy? acting = null;
        long version = 0;
        for (var t = 0; t < length; t++)
        {
            if (t % _refreshSteps == 0)
            {
                (acting, var current) = policy();
                if (t == 0) version = current;
            }
            using var scope = torch.NewDisposeScope();
            var observed = _env.States;
            var goals = _env.Goals;
            observed.cpu().data<float>().CopyTo(states, t * n * s);
            var action = acting is null ? _random(observed, goals) : acting.Act(observed, goals, deterministic: false);
            action.cpu().data<float>().CopyTo(actions, t * n * a);
            var step = _env.Step(action);
            var success = step.Success.to(torch.float32).cpu().data<float>().ToArray();
            for (var i = 0; i < n; i++) atGoal[i] += success[i];
            var done = step.Done.cpu().data<bool>().ToArray();
            var last = t == length - 1;
            if (done.Any(d => d != last))
                throw new InvalidOperationException($"env batch out of step: every env must finish its episode together at step {length}");
            if (last) step.NextStates.cpu().data<float>().CopyTo(states, length * n * s);
        }
        var episodes = Enumerable.Range(0, n).Select(i => Slice(length, n, i, states, actions, version, _sequence + i)).ToArray();
        _sequence += n;
        return new Chunk(episodes, version, atGoal.Average(), atGoal.Count(v => v > 0) / (double)n);
    }

    /// <summary>Env i's episode out of the batch-major buffers: states [(T+1), N, S] and actions [T, N, A].</summary>
    private Episode Slice(int length, int n, int i, float[] states, float[] actions, long version, long sequence)
    {
        int s = _layout.StateDim, a = _layout.ActionDim;
        var episodeStates = new float[(length + 1) * s];
        var episodeActions = new float[length * a];
        for (var t = 0; t <= length; t++) Array.Copy(states, (t * n + i) * s, episodeStates, t * s, s);
        for (var t = 0; t < length; t++) Array.Copy(actions, (t * n + i) * a, episodeActions, t * a, a);
        return new Episode(_layout, length, episodeStates, episodeActions, _producer, version, sequence);
    }

    public void Dispose() => _env.Dispose();
}

/// <summary>One chunk of a collector: N episodes, the policy version they were collected with, and how they fared (steps at goal, share that reached it).</summary>
public sealed record Chunk(Episode[] Episodes, long Version, double MeanTimeAtGoal, double SuccessAny);
