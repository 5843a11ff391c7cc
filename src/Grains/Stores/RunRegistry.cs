using System.Text.Json;
using Fathom.Grains.Contracts;
using StackExchange.Redis;

namespace Fathom.Grains.Stores;

/// <summary>
/// The cluster's list of runs, so that `fathom runs` knows what to show and `fathom delete` finds a run's resumed
/// segments: a hash on the state store, run (grain key) -> {state, started, updated}, written by the experiment grain
/// when a run starts and whenever its record is persisted.
/// </summary>
public sealed class RunRegistry(IDatabase database, TimeSpan timeout)
{
    /// <summary>The registry's key (not a run's key: no run pattern of <see cref="RunKeys"/> matches it).</summary>
    public const string Key = "fathom:runs";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task Record(string run, ExperimentState state, DateTime startedUtc) =>
        database.HashSetAsync(Key, run, JsonSerializer.Serialize(new RunEntry(state.ToString(), startedUtc, DateTime.UtcNow), Json)).WaitAsync(timeout);

    public Task Remove(string run) => database.HashDeleteAsync(Key, run).WaitAsync(timeout);

    /// <summary>Every registered run, by name.</summary>
    public async Task<IReadOnlyDictionary<string, RunEntry>> All()
    {
        var entries = await database.HashGetAllAsync(Key).WaitAsync(timeout);
        return entries.ToDictionary(e => (string)e.Name!, e => JsonSerializer.Deserialize<RunEntry>((string)e.Value!, Json)!);
    }

    /// <summary>What the registry holds about one run; <see cref="State"/> is an <see cref="ExperimentState"/> name.</summary>
    public sealed record RunEntry(string State, DateTime Started, DateTime Updated);
}
