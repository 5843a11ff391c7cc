using Fathom.Grains.Specs;
using Fathom.Learner.Crl;
using Fathom.Learner.Envs;
using Fathom.Learner.Evaluation;
using Fathom.Replay;
using TorchSharp;

namespace Fathom.Grains.Workers;

/// <summary>
/// Acme's environment loop of one collector: steps its N envs together for one episode length T, with the policy its
/// variable client holds (stochastic; uniformly random before the first weights), and slices the finished episodes
/// out of the batch-major buffers. A chunk is always N x T transitions: an env whose episode ends early (an Ant that
/// falls) starts another, and an episode still going at step T is cut there (truncation) and its env reset, so every
/// chunk holds whole episodes of at most T steps. Envs and policy live on the worker's device; episodes are CPU copies.
/// </summary>
public sealed class EnvironmentLoop : IDisposable
{
    private readonly IGoalEnv _env;
    private readonly EpisodeLayout _layout;
    private readonly string _producer;
    private readonly int _refreshSteps;
    private readonly BatchPolicy _random;
    private long _sequence;

    /// <param name="producer">Names this incarnation's episodes (with a sequence number each), so that ids never repeat.</param>
    /// <param name="refreshSteps">K: the loop asks for the current policy at the first step and every K steps.</param>
    public EnvironmentLoop(EnvironmentSpec spec, int envs, long seed, EpisodeLayout layout, string producer, int refreshSteps, string device)
        : this(EnvironmentFactory.Train(spec, envs, seed, device), seed, layout, producer, refreshSteps)
    {
    }

    /// <summary>A loop over envs built elsewhere (it owns and disposes them).</summary>
    public EnvironmentLoop(IGoalEnv env, long seed, EpisodeLayout layout, string producer, int refreshSteps)
    {
        try
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(refreshSteps);
            if (env.StateDim != layout.StateDim || env.ActionDim != layout.ActionDim)
                throw new ArgumentException($"the env's state and action sizes ({env.StateDim}, {env.ActionDim}) differ from the replay layout's ({layout.StateDim}, {layout.ActionDim})", nameof(layout));
        }
        catch
        {
            env.Dispose();
            throw;
        }
        _env = env;
        _layout = layout;
        _producer = producer;
        _refreshSteps = refreshSteps;
        _random = RandomPolicy.Create(layout.ActionDim, seed); // draws on the CPU (the same actions on any device), returned on the env's device
        _env.Reset();
    }

    public int Envs => _env.NumEnvs;

    /// <summary>T: steps of every chunk, and the longest an episode may be.</summary>
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
    /// One chunk: T steps of every env, as whole episodes (one per env unless some end early). <paramref name="policy"/>
    /// is asked at step 0 and every K steps for the policy to act with and its version (null: act at random); the
    /// episodes carry the version of step 0.
    /// </summary>
    public Chunk Collect(Func<(CrlPolicy? Policy, long Version)> policy)
    {
        int n = Envs, length = EpisodeLength, s = _layout.StateDim, a = _layout.ActionDim;
        var states = new float[(length + 1) * n * s]; // row t: what each env observed at step t (a new episode's s_0 after an early end)
        var actions = new float[length * n * a];
        var atGoal = new float[n];
        var begun = new int[n]; // step at which each env's current episode began
        var episodes = new List<Episode>(n);
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
            if (!last && !done.Any(d => d)) continue;
            var final = step.NextStates.cpu().data<float>().ToArray(); // s_T of every episode that ends here
            for (var i = 0; i < n; i++)
            {
                if (!last && !done[i]) continue;
                episodes.Add(Slice(i, begun[i], t + 1, n, states, actions, final.AsSpan(i * s, s), version, _sequence++));
                begun[i] = t + 1;
            }
            if (last && done.Any(d => !d)) _env.Reset(torch.tensor(done.Select(d => !d).ToArray(), device: _env.Device));
        }
        return new Chunk([.. episodes], version, atGoal.Average(), atGoal.Count(v => v > 0) / (double)n);
    }

    /// <summary>Env i's episode over steps [from, to) out of the batch-major buffers (states [T+1, N, S], actions [T, N, A]), ending in <paramref name="final"/>.</summary>
    private Episode Slice(int i, int from, int to, int n, float[] states, float[] actions, ReadOnlySpan<float> final, long version, long sequence)
    {
        int s = _layout.StateDim, a = _layout.ActionDim, length = to - from;
        var episodeStates = new float[(length + 1) * s];
        var episodeActions = new float[length * a];
        for (var t = from; t < to; t++)
        {
            Array.Copy(states, (t * n + i) * s, episodeStates, (t - from) * s, s);
            Array.Copy(actions, (t * n + i) * a, episodeActions, (t - from) * a, a);
        }
        final.CopyTo(episodeStates.AsSpan(length * s));
        return new Episode(_layout, length, episodeStates, episodeActions, _producer, version, sequence);
    }

    public void Dispose() => _env.Dispose();
}

/// <summary>One chunk of a collector: N episodes, the policy version they were collected with, and how they fared (steps at goal, share that reached it).</summary>
public sealed record Chunk(Episode[] Episodes, long Version, double MeanTimeAtGoal, double SuccessAny);
