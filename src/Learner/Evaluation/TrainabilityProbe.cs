using Fathom.Learner.Crl;
using Fathom.Learner.Envs;
using static TorchSharp.torch;

namespace Fathom.Learner.Evaluation;

/// <summary>
/// The title's claim as a measurement (crl-spec, "1000 layers"): does a very deep CRL agent train at all? It updates an
/// agent of the given depths on hindsight batches from a fixed set of noisy oracle episodes on a point maze and records,
/// per update, the critic's loss and accuracy, the gradient norm at the first layer of the state-action encoder and
/// of the actor (where vanishing or exploding gradients show first) and, every <see cref="TrainabilitySettings.NormPeriod"/>
/// updates, the mean norm of phi(s, a) (the pairwise L2 energy is computed by expansion, which loses precision when
/// norms grow large).
/// </summary>
public static class TrainabilityProbe
{
    /// <summary>Runs the updates one by one, yielding a row after each so that a caller can write and show progress.</summary>
    public static IEnumerable<TrainabilityRow> Run(TrainabilitySettings settings)
    {
        settings.Validate();
        var layout = MazeLayout.BuiltIn(settings.Layout);
        using var episodes = NoisyOracleEpisodes.Collect(layout, settings.Episodes, settings.Seed);
        var config = new CrlConfig
        {
            StateDim = episodes.StateDim, ActionDim = episodes.ActionDim, GoalDim = episodes.GoalDim,
            ActorDepth = settings.ActorDepth, ActorWidth = settings.Width,
            CriticDepth = settings.CriticDepth, CriticWidth = settings.Width,
            Residual = settings.Residual, Seed = settings.Seed,
        };
        using var agent = new CrlAgent(config);
        var random = new Random((int)settings.Seed);
        var started = System.Diagnostics.Stopwatch.StartNew();
        for (int update = 1; update <= settings.Updates; update++)
        {
            var (states, actions, goals) = episodes.Batch(settings.Batch, config.Gamma, random);
            var metrics = agent.Update(states, actions, goals);
            double criticGradient = GradientNorm(agent.StateActionEncoder.Parameters.Tensors[0]);
            double actorGradient = GradientNorm(agent.Actor.Network.Parameters.Tensors[0]);
            double phiNorm = double.NaN;
            if (update == 1 || update % settings.NormPeriod == 0 || update == settings.Updates)
            {
                using var scope = NewDisposeScope();
                using var _ = no_grad();
                phiNorm = agent.StateActionEncoder.Forward(cat([states, actions], 1)).norm(1).mean().item<float>();
            }
            states.Dispose();
            actions.Dispose();
            goals.Dispose();
            yield return new TrainabilityRow(settings.Residual, update, metrics.CriticLoss, metrics.CategoricalAccuracy,
                criticGradient, actorGradient, phiNorm, metrics.Skipped, started.Elapsed.TotalSeconds);
        }
    }

    /// <summary>The L2 norm of a parameter's gradient from the last update (the gradients stay until the next one).</summary>
    private static double GradientNorm(Tensor parameter)
    {
        using var gradient = parameter.grad ?? throw new InvalidOperationException("the parameter has no gradient buffer");
        return gradient.norm().item<float>();
    }

    /// <summary>
    /// One episode per env of the maze's oracle (<see cref="GeodesicPolicy"/>) with uniform noise on its actions: paths
    /// that cross the maze, so that states and goals spread over it as in a learner's replay. Kept as [T + 1, N, S] states and [T, N, A] actions; a batch takes
    /// its rows from distinct episodes and each row's goal from the same episode k ~ gamma^k steps later (crl-spec 4).
    /// </summary>
    private sealed class NoisyOracleEpisodes : IDisposable
    {
        /// <summary>Scale of the uniform noise added to the oracle's actions, so that episodes wander off the shortest path.</summary>
        private const double ActionNoise = 0.5;

        private readonly Tensor _states, _actions;
        private readonly int _goalStart;

        public int StateDim { get; }
        public int ActionDim { get; }
        public int GoalDim { get; }
        private int Episodes => (int)_actions.shape[1];
        private int Length => (int)_actions.shape[0];

        private NoisyOracleEpisodes(Tensor states, Tensor actions, int goalStart, int goalDim)
        {
            (_states, _actions, _goalStart, GoalDim) = (states, actions, goalStart, goalDim);
            StateDim = (int)states.shape[2];
            ActionDim = (int)actions.shape[2];
        }

        public static NoisyOracleEpisodes Collect(MazeLayout layout, int episodes, long seed)
        {
            using var env = new PointMaze(layout, episodes, seed);
            var oracle = GeodesicPolicy.Create(env);
            var noise = RandomPolicy.Create(env.ActionDim, seed);
            using var scope = NewDisposeScope();
            var states = new List<Tensor> { env.States.clone() };
            var actions = new List<Tensor>();
            for (int t = 0; t < env.EpisodeLength; t++)
            {
                var action = oracle(env.States, env.Goals).add(noise(env.States, env.Goals), Scalars.Of(ActionNoise)).clamp(Scalars.Of(-1L), Scalars.One);
                using var step = env.Step(action);
                actions.Add(action);
                states.Add(step.NextStates.clone());
            }
            return new NoisyOracleEpisodes(stack(states).DetachFromDisposeScope(), stack(actions).DetachFromDisposeScope(), env.GoalStart, env.GoalDim);
        }

        public (Tensor States, Tensor Actions, Tensor Goals) Batch(int batch, double gamma, Random random)
        {
            var episode = new long[batch];
            var time = new long[batch];
            var future = new long[batch];
            // Distinct episodes per batch (a permutation's prefix), as the replay sampler draws them.
            var order = Enumerable.Range(0, Episodes).ToArray();
            random.Shuffle(order);
            for (int i = 0; i < batch; i++)
            {
                episode[i] = order[i];
                time[i] = random.Next(Length);
                future[i] = time[i] + HindsightGoal.SampleOffset(random, gamma, Length - (int)time[i]);
            }
            using var scope = NewDisposeScope();
            var e = tensor(episode);
            var states = _states.index([tensor(time), e]);
            var actions = _actions.index([tensor(time), e]);
            var goals = _states.index([tensor(future), e]).narrow(1, _goalStart, GoalDim);
            return (states.DetachFromDisposeScope(), actions.DetachFromDisposeScope(), goals.contiguous().DetachFromDisposeScope());
        }

        public void Dispose()
        {
            _states.Dispose();
            _actions.Dispose();
        }
    }
}

/// <summary>What <see cref="TrainabilityProbe"/> trains: the paper's 1,024-layer critic and 512-layer actor by default.</summary>
public sealed record TrainabilitySettings
{
    public int CriticDepth { get; init; } = 1024;
    public int ActorDepth { get; init; } = 512;
    /// <summary>Hidden width of all three networks; narrower than the paper's 256 so that 1,000 updates fit a CPU.</summary>
    public int Width { get; init; } = 64;
    public int Batch { get; init; } = 256;
    public int Updates { get; init; } = 1000;
    public bool Residual { get; init; } = true;
    public long Seed { get; init; } = 1;
    /// <summary>Episodes the batches are drawn from; at least <see cref="Batch"/>, since rows come from distinct ones.</summary>
    public int Episodes { get; init; } = 1024;
    public string Layout { get; init; } = "u_maze";
    /// <summary>Updates between two measurements of the representation norm (each costs one critic forward pass).</summary>
    public int NormPeriod { get; init; } = 10;

    /// <summary>Throws naming the first field out of range.</summary>
    public TrainabilitySettings Validate()
    {
        Nets.MlpShape.CheckDepth(CriticDepth, "critic-depth");
        Nets.MlpShape.CheckDepth(ActorDepth, "actor-depth");
        Nets.MlpShape.CheckPositive(Width, "width");
        Nets.MlpShape.CheckPositive(Updates, "updates");
        Nets.MlpShape.CheckPositive(NormPeriod, "norm-period");
        if (Batch < 2) throw new ArgumentOutOfRangeException("batch", Batch, $"batch must be at least 2 (the contrastive loss needs negatives); got {Batch}.");
        if (Episodes < Batch) throw new ArgumentOutOfRangeException("episodes", Episodes, $"episodes must be at least batch ({Batch}), since a batch takes its rows from distinct episodes; got {Episodes}.");
        if (!MazeLayout.BuiltInNames.Contains(Layout)) throw new ArgumentOutOfRangeException("layout", Layout, $"layout must be one of {string.Join(", ", MazeLayout.BuiltInNames)}; got '{Layout}'.");
        return this;
    }
}

/// <summary>
/// One update of the probe. Gradient norms are of the first Dense layer's weights; <see cref="PhiNorm"/> is the mean
/// |phi(s, a)| over the batch, NaN on updates where it was not measured.
/// </summary>
public sealed record TrainabilityRow(bool Residual, int Update, double CriticLoss, double Accuracy, double CriticFirstLayerGradient,
    double ActorFirstLayerGradient, double PhiNorm, bool Skipped, double Seconds);
