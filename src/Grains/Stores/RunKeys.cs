using Fathom.Grains.Specs;
using Fathom.Replay;

namespace Fathom.Grains.Stores;

/// <summary>
/// The one home of "every key of a run on a store": SCAN patterns that `fathom runs` counts and `fathom delete`
/// removes. Every pattern is searched on every store (replay endpoints and the state store), so a key that landed on
/// an unexpected store (a state store that is also a replay endpoint, say) is still found. Run names hold no glob
/// characters (<see cref="RunNames"/>, checked here: a glob in a name would widen a delete to other runs), and each
/// pattern ends in a fixed word after the run name, so run "a" never matches keys of "a.resume2" or of a run called "replay".
/// </summary>
public static class RunKeys
{
    /// <summary>
    /// The experiment's grain state as Orleans' Redis grain storage names it by default,
    /// {ServiceId}/state/{GrainId}/{state name} with GrainId "experiment/{run}".
    /// </summary>
    public static string ExperimentStateKeyPattern(string serviceId, string run) => $"{serviceId}/state/experiment/{run}/*";

    /// <summary>SCAN patterns of every key of <paramref name="run"/>: replay shards, weights, checkpoints, the rate limiter's ledger and the experiment's grain state.</summary>
    public static IReadOnlyList<string> Patterns(string serviceId, string run)
    {
        RunNames.ThrowIfInvalid(run, "run");
        return
        [
            RedisReplayKeys.RunPattern(run),
            WeightStore.RunPattern(run),
            CheckpointStore.RunPattern(run),
            RateLimiterLedger.RunPattern(run),
            ExperimentStateKeyPattern(serviceId, run),
        ];
    }
}
