using System.Globalization;
using Fathom.Grains.Specs;
using Fathom.Grains.Workers;
using StackExchange.Redis;

namespace Fathom.Grains.Stores;

/// <summary>
/// The start-time check that a run fits the memory its stores have (<see cref="RunMemory"/> against what each store
/// reports), so that a store never has to drop or refuse a run's state halfway through. The embedded store of the
/// local mode holds everything (replay, weights, checkpoints, grain state) and must keep it within
/// <see cref="StoreSettings.ReplayBytesLimit"/>; a Redis store must hold its share within its <c>maxmemory</c>
/// (0, unlimited, or a server that does not say, is not checked). Replay shards go round-robin over the replay
/// endpoints as <see cref="ReplayStores"/> places them; weights and checkpoints go to the state store.
/// </summary>
public sealed class StoreMemory(StoreSettings settings)
{
    /// <summary>Throws <see cref="SpecException"/> naming needed and available bytes, the store and the setting, when the run does not fit.</summary>
    public async Task ThrowIfTooSmall(ExperimentSpec spec)
    {
        var need = RunMemory.Of(spec);
        if (settings.ReplayBytesLimit is { } limit)
        {
            if (need.TotalBytes <= limit.Bytes) return;
            var advice = limit.StoreBytes is { } store
                ? $"give it at least {GiB((long)Math.Ceiling((double)need.TotalBytes * store / limit.Bytes))} of memory"
                : "give it more memory";
            throw new SpecException([$"memory: this run needs {RunMemory.Mb(need.TotalBytes)} in the embedded store ({need.Breakdown}), more than the " +
                                     $"{RunMemory.Mb(limit.Bytes)} it holds safely ({limit.Setting}); {advice}, or lower replay.capacity or the networks' depth or width"]);
        }

        var layout = EnvironmentFactory.Layout(spec.Environment);
        var perStore = new Dictionary<string, (long Bytes, List<string> What)>();
        void Add(string store, long bytes, string what)
        {
            if (!perStore.TryGetValue(store, out var entry)) perStore[store] = entry = (0, []);
            perStore[store] = (entry.Bytes + bytes, entry.What);
            entry.What.Add(what);
        }
        var shardCapacity = (spec.Replay.CapacityTransitions + spec.Replay.Shards - 1) / spec.Replay.Shards;
        if (settings.ReplayIsCluster)
            Add(string.Join(",", settings.ReplayEndpoints), RunMemory.ReplayBytesOf(spec, layout, spec.Replay.CapacityTransitions), "the replay");
        else
            for (var shard = 0; shard < spec.Replay.Shards; shard++)
                Add(settings.ReplayEndpoints[shard % settings.ReplayEndpoints.Length], RunMemory.ReplayBytesOf(spec, layout, shardCapacity), $"replay shard {shard}");
        Add(settings.StateEndpoint, need.WeightBytes + need.CheckpointBytes, "weights and checkpoints");

        var errors = new List<string>();
        foreach (var (store, (bytes, what)) in perStore)
        {
            var max = await MaxMemory(store, settings.ReplayIsCluster && store != settings.StateEndpoint);
            if (max is not > 0 || bytes <= max) continue;
            errors.Add($"memory: this run needs {RunMemory.Mb(bytes)} on store {store} ({Describe(what)}; {need.Breakdown}), more than its " +
                       $"maxmemory of {RunMemory.Mb(max.Value)}; raise that store's maxmemory, or lower replay.capacity or the networks' depth or width");
        }
        if (errors.Count > 0) throw new SpecException(errors);
    }

    private static string Describe(List<string> what) =>
        what.Count > 3 ? $"{what.Count(w => w.StartsWith("replay shard", StringComparison.Ordinal))} replay shards{(what.Any(w => !w.StartsWith("replay shard", StringComparison.Ordinal)) ? ", weights and checkpoints" : "")}"
            : string.Join(", ", what);

    private static string GiB(long bytes) => $"{(bytes + (1L << 30) - 1) >> 30}g";

    /// <summary>
    /// The store's maxmemory in bytes (CONFIG GET, else INFO memory), summed over the primaries of a cluster;
    /// null when it cannot be read, 0 when unlimited (or any primary is).
    /// </summary>
    private async Task<long?> MaxMemory(string endpoints, bool cluster)
    {
        var options = settings.RedisOptions(endpoints);
        options.AllowAdmin = true;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(options);
        long total = 0;
        var servers = cluster ? connection.GetServers().Where(s => !s.IsReplica).ToArray() : [connection.GetServer(connection.GetEndPoints()[0])];
        foreach (var server in servers)
        {
            if (await MaxMemory(server) is not { } max) return null;
            if (max == 0) return 0;
            total += max;
        }
        return total;
    }

    private static async Task<long?> MaxMemory(IServer server)
    {
        try
        {
            var config = await server.ConfigGetAsync("maxmemory");
            if (config.Length == 1 && long.TryParse(config[0].Value, NumberStyles.None, CultureInfo.InvariantCulture, out var max)) return max;
        }
        catch (RedisException)
        {
            // CONFIG is often renamed or disabled on managed Redis; INFO still says it.
        }
        try
        {
            var info = await server.InfoAsync("memory");
            var line = info.SelectMany(g => g).FirstOrDefault(p => p.Key == "maxmemory");
            return long.TryParse(line.Value, NumberStyles.None, CultureInfo.InvariantCulture, out var max) ? max : null;
        }
        catch (RedisException)
        {
            return null;
        }
    }
}
