using Fathom.Grains.Contracts;
using Fathom.Grains.Stores;
using Orleans.Concurrency;

namespace Fathom.Grains.Grains;

/// <summary>Lists and deletes runs from the registry and the stores (see <see cref="IRunsGrain"/>); store work runs off the turn.</summary>
[StatelessWorker(1)]
public sealed class RunsGrain(RunRegistry registry, RunData data) : Grain, IRunsGrain
{
    public async Task<RunSummary[]> List()
    {
        var runs = await registry.All();
        var summaries = await Task.WhenAll(runs.OrderBy(r => r.Value.Started).Select(async r =>
            new RunSummary(r.Key, r.Value.State, r.Value.Started, r.Value.Updated, await Task.Run(() => data.Usage(r.Key)))));
        return summaries;
    }

    public async Task<string[]> Segments(string run)
    {
        var runs = await registry.All();
        return [.. runs.Keys.Where(k => GrainKeys.SegmentNumber(k, run) >= 1).OrderBy(k => GrainKeys.SegmentNumber(k, run))];
    }

    public async Task<StoreUsage[]> Delete(string run)
    {
        await GrainFactory.GetGrain<IExperimentGrain>(run).Forget();
        return await Task.Run(() => data.Delete(run));
    }

    public Task<StoreUsage[]> Usage(string run) => Task.Run(() => data.Usage(run));
}
