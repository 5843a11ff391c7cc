using Fathom.Grains.Contracts;
using Microsoft.Extensions.Logging;

namespace Fathom.Grains.Grains;

/// <summary>
/// What a worker's grain does every <see cref="WorkerSettings.RunCheckPeriod"/>: asks its experiment whether the run
/// still goes on, and stops the worker when the run has ended or is unknown (deleted). The call also reactivates an
/// experiment whose silo died, so a run with live workers is never left without its coordinator for long.
/// </summary>
internal static class RunWatch
{
    private static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(10);

    /// <summary>True when the run is over or unknown; false while it runs or when the experiment cannot be reached now.</summary>
    public static async Task<bool> RunIsGone(IGrainFactory grains, string experiment, ILogger logger)
    {
        try
        {
            var state = await grains.GetGrain<IExperimentGrain>(experiment).GetState().WaitAsync(CallTimeout);
            if (state is ExperimentState.Running or ExperimentState.Stopping) return false;
            logger.LogInformation("Run {Experiment} is {State}: stopping its worker", experiment, state == ExperimentState.NotStarted ? "unknown (deleted)" : state.ToString());
            return true;
        }
        catch (Exception e) when (e is TimeoutException or OrleansException or SiloUnavailableException)
        {
            return false; // its silo may be down; the experiment comes back on another one
        }
    }
}
