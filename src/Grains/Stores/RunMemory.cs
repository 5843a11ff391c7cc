using System.Globalization;
using Fathom.Replay;
using Fathom.Grains.Specs;
using Fathom.Grains.Workers;

namespace Fathom.Grains.Stores;

/// <summary>
/// The most store memory a run can hold at once, from its spec alone (no network is built): the full replay, the
/// behaviour actors' weight versions still readable, and every learner's checkpoints. Parameter counts come from the
/// networks' <see cref="Learner.Nets.MlpShape"/>; floats are 4 bytes; a checkpoint holds each trained network's values
/// and its two Adam moments (AgentCheckpoint), and two of them live while a new one replaces the old.
/// </summary>
public sealed record RunMemory(long ReplayBytes, long WeightBytes, long CheckpointBytes, string Breakdown)
{
    /// <summary>Checkpoints of one learner alive at once: the one being written and the one it replaces.</summary>
    public const int LiveCheckpoints = 2;

    /// <summary>Values, Adam's first moment and Adam's second moment per parameter.</summary>
    public const int CheckpointCopies = 3;

    /// <summary>Store bytes per episode besides its transitions: codec header, producer, checksum, last state, key, index entry.</summary>
    public const long EpisodeOverheadBytes = 512;

    public long TotalBytes => ReplayBytes + WeightBytes + CheckpointBytes;

    /// <summary>Weight versions of one behaviour learner readable at once: the newest, the one being written, and those superseded within the grace.</summary>
    public static int LiveWeightVersions(TimeSpan supersededLifetime) =>
        2 + (int)Math.Ceiling(supersededLifetime / LearnerWorker.PublishPeriod);

    public static long ActorParameters(LearnerSpec learner, EpisodeLayout layout) => AgentFactory.Config(learner, layout, 0).ActorShape.ParameterCount;

    /// <summary>The trained critic: both encoders (phi(s, a) and psi(g)) for crl, both Q networks for sac and td3.</summary>
    public static long CriticParameters(LearnerSpec learner, EpisodeLayout layout)
    {
        var config = AgentFactory.Config(learner, layout, 0);
        if (learner.Algorithm == LearnerAlgorithm.Crl) return config.StateActionEncoderShape.ParameterCount + config.GoalEncoderShape.ParameterCount;
        return 2 * Learner.Td.TdConfig.FromCrl(config, layout.GoalStart, 1).CriticShape.ParameterCount;
    }

    /// <summary>
    /// Parameters a checkpoint holds besides the trained networks and their Adam moments: the TD target networks
    /// (values only): both target critics, and for td3 the target actor.
    /// </summary>
    public static long TargetParameters(LearnerSpec learner, EpisodeLayout layout) => learner.Algorithm switch
    {
        LearnerAlgorithm.Crl => 0,
        LearnerAlgorithm.Sac => CriticParameters(learner, layout),
        _ => CriticParameters(learner, layout) + ActorParameters(learner, layout),
    };

    /// <summary>The replay bytes of <paramref name="transitions"/> transitions in episodes of the spec's length.</summary>
    public static long ReplayBytesOf(ExperimentSpec spec, EpisodeLayout layout, long transitions) =>
        transitions * EpisodeCodec.BytesPerTransition(layout) + (transitions / spec.Environment.EpisodeLength + 1) * EpisodeOverheadBytes;

    public static RunMemory Of(ExperimentSpec spec, TimeSpan? supersededLifetime = null)
    {
        var layout = EnvironmentFactory.Layout(spec.Environment);
        var versions = LiveWeightVersions(supersededLifetime ?? WeightStore.DefaultSupersededLifetime);
        long replay = ReplayBytesOf(spec, layout, spec.Replay.CapacityTransitions), weights = 0, checkpoints = 0;
        var parts = new List<string> { $"replay {Mb(replay)} (replay.capacity {spec.Replay.CapacityTransitions.ToString("N0", CultureInfo.InvariantCulture)} transitions)" };
        foreach (var learner in spec.Learners)
        {
            long actor = 4 * ActorParameters(learner, layout), critic = 4 * CriticParameters(learner, layout);
            long checkpoint = CheckpointCopies * (actor + critic) + 4 * TargetParameters(learner, layout);
            checkpoints += LiveCheckpoints * checkpoint;
            var text = $"learner '{learner.Name}': {LiveCheckpoints} checkpoints of {Mb(checkpoint)}";
            if (learner.Role == LearnerRole.Behaviour)
            {
                weights += versions * actor;
                text += $", {versions} weight versions of {Mb(actor)}";
            }
            parts.Add(text);
        }
        return new RunMemory(replay, weights, checkpoints, string.Join("; ", parts));
    }

    /// <summary>Bytes as decimal megabytes, the unit every memory message uses.</summary>
    public static string Mb(long bytes) =>
        (bytes < 10_000_000 ? (bytes / 1e6).ToString("0.0", CultureInfo.InvariantCulture) : (bytes / 1e6).ToString("N0", CultureInfo.InvariantCulture)) + " MB";
}
