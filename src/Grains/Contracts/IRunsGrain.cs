namespace Fathom.Grains.Contracts;

/// <summary>
/// The cluster's runs as a whole (any key; stateless): what `fathom runs` lists and what `fathom delete` removes.
/// It answers from inside the cluster, where the stores' endpoints and password are known, so the client needs only
/// the membership table.
/// </summary>
[Alias("fathom.IRunsGrain")]
public interface IRunsGrain : IGrainWithIntegerKey
{
    /// <summary>Every registered run with its state, times and the keys and bytes it holds on each store.</summary>
    [Alias("List")]
    Task<RunSummary[]> List();

    /// <summary>
    /// The registered runs that belong to <paramref name="run"/>: itself and its resumed segments (run.resumeN), in order.
    /// </summary>
    [Alias("Segments")]
    Task<string[]> Segments(string run);

    /// <summary>
    /// Deletes every key of one run (grain key) on every store and its experiment record; refused while it runs.
    /// Returns, per store, how many keys it removed.
    /// </summary>
    [Alias("Delete")]
    Task<StoreUsage[]> Delete(string run);

    /// <summary>What one run (grain key) holds on each store now: zero keys everywhere after a delete.</summary>
    [Alias("Usage")]
    Task<StoreUsage[]> Usage(string run);
}
