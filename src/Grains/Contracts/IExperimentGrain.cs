using Orleans.Concurrency;
using Fathom.Grains.Specs;

namespace Fathom.Grains.Contracts;

/// <summary>
/// One experiment run, keyed by run name. Start creates the learners and collectors; the grain then polls them,
/// aggregates their curves, persists them and stops everyone at the env-step budget.
/// </summary>
[Alias("fathom.IExperimentGrain")]
public interface IExperimentGrain : IGrainWithStringKey
{
    /// <summary>Validates and starts <paramref name="spec"/>. Idempotent: the same spec again is a no-op; a different spec for a started run is refused.</summary>
    [Alias("Start")]
    Task Start(ExperimentSpec spec);

    /// <summary>
    /// Starts this grain as a resumed segment of run <paramref name="run"/> (its stores keep that name), which stopped
    /// at <paramref name="envStepsAtStop"/> env steps. The replay the store still holds is kept; otherwise the segment
    /// collects the rest of the budget into an empty replay. Idempotent like <see cref="Start"/>.
    /// </summary>
    [Alias("Resume")]
    Task<SegmentStart> Resume(ExperimentSpec spec, string run, long envStepsAtStop);

    /// <summary>The run's life-cycle state alone (cheap; workers ask it to know whether their run still exists).</summary>
    [Alias("GetState"), AlwaysInterleave]
    Task<ExperimentState> GetState();

    /// <summary>A snapshot from the latest poll; answered even while a poll is waiting on a worker.</summary>
    [Alias("GetStatus"), AlwaysInterleave]
    Task<ExperimentStatus> GetStatus();

    /// <summary>Stops every worker (they flush what they hold); the run ends as Stopped.</summary>
    [Alias("Stop")]
    Task Stop();

    [Alias("GetResults"), AlwaysInterleave]
    Task<ExperimentResults> GetResults();

    /// <summary>
    /// Forgets an ended run: its record, registry entry and reminder are removed and the grain deactivates, so its
    /// workers stop by themselves; `fathom delete` then removes the run's store keys. Refused with
    /// <see cref="InvalidOperationException"/> while the run is running or stopping.
    /// </summary>
    [Alias("Forget")]
    Task Forget();
}
