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
        return [.. runs.Keys.Where(k => k == run || IsSegmentOf(k, run)).OrderBy(k => k == run ? 0 : SegmentNumber(k, run))];
    }

    public async Task<StoreUsage[]> Delete(string run)
    {
        await GrainFactory.GetGrain<IExperimentGrain>(run).Forget();
        return await Task.Run(() => data.Delete(run));
    }

    public Task<StoreUsage[]> Usage(string run) => Task.Run(() => data.Usage(run));

    /// <summary>Whether <paramref name="key"/> names segment N >= 2 of <paramref name="run"/> ("run.resumeN", see the client's ResumePoint).</summary>
    public static bool IsSegmentOf(string key, string run) => SegmentNumber(key, run) >= 2;

    private static int SegmentNumber(string key, string run) =>
        key.StartsWith(run + ".resume", StringComparison.Ordinal) && int.TryParse(key.AsSpan(run.Length + 7), System.Globalization.NumberStyles.None, null, out var n) ? n : 0;
}
