using Fathom.Grains.Contracts;
using StackExchange.Redis;

namespace Fathom.Grains.Stores;

/// <summary>
/// Everything a run holds on the cluster's stores, found by SCAN with the patterns of <see cref="RunKeys"/> on every
/// store (each replay endpoint, each primary of a replay Redis Cluster, and the state store): counted and sized for
/// `fathom runs`, removed for `fathom delete`. Connections are opened per call; both are rare.
/// </summary>
public sealed class RunData(StoreSettings settings, string serviceId)
{
    private const int PageSize = 512;

    /// <summary>Keys and bytes of <paramref name="run"/> on every store.</summary>
    public Task<StoreUsage[]> Usage(string run, CancellationToken cancellation = default) => OnEveryStore(async (name, server) =>
    {
        var keys = await Keys(server, run, cancellation);
        var sizes = await Task.WhenAll(keys.Select(key => MemoryUsage(server, key)));
        return new StoreUsage(name, keys.Count, sizes.Sum());
    });

    /// <summary>Removes every key of <paramref name="run"/> from every store; returns what was there before, per store.</summary>
    public Task<StoreUsage[]> Delete(string run, CancellationToken cancellation = default) => OnEveryStore(async (name, server) =>
    {
        var keys = await Keys(server, run, cancellation);
        // One key per UNLINK: keys of a Redis Cluster node may lie in different slots.
        await Task.WhenAll(keys.Select(key => server.ExecuteAsync("UNLINK", key)));
        return new StoreUsage(name, keys.Count, 0);
    });

    private async Task<List<RedisKey>> Keys(IServer server, string run, CancellationToken cancellation)
    {
        var keys = new List<RedisKey>();
        foreach (var pattern in RunKeys.Patterns(serviceId, run))
            await foreach (var key in server.KeysAsync(pattern: pattern, pageSize: PageSize).WithCancellation(cancellation))
                keys.Add(key);
        return keys;
    }

    private static async Task<long> MemoryUsage(IServer server, RedisKey key)
    {
        try
        {
            return (long?)await server.ExecuteAsync("MEMORY", "USAGE", key) ?? 0; // nil: deleted meanwhile
        }
        catch (RedisServerException)
        {
            return 0; // a server without MEMORY USAGE: the key still counts
        }
    }

    /// <summary>Runs <paramref name="act"/> on every distinct store server, named by its endpoint.</summary>
    private async Task<StoreUsage[]> OnEveryStore(Func<string, IServer, Task<StoreUsage>> act)
    {
        var endpoints = (settings.ReplayIsCluster ? [] : settings.ReplayEndpoints).Append(settings.StateEndpoint).Distinct().ToList();
        var connections = new List<ConnectionMultiplexer>();
        try
        {
            var servers = new List<(string Name, IServer Server)>();
            if (settings.ReplayIsCluster)
            {
                var cluster = await Connect(string.Join(",", settings.ReplayEndpoints));
                connections.Add(cluster);
                servers.AddRange(cluster.GetServers().Where(s => !s.IsReplica).Select(s => (s.EndPoint.ToString()!, s)));
            }
            foreach (var endpoint in endpoints)
            {
                var connection = await Connect(endpoint);
                connections.Add(connection);
                if (servers.All(s => s.Server.EndPoint.ToString() != connection.GetEndPoints()[0].ToString()))
                    servers.Add((endpoint, connection.GetServer(connection.GetEndPoints()[0])));
            }
            return await Task.WhenAll(servers.Select(s => act(s.Name, s.Server)));
        }
        finally
        {
            foreach (var connection in connections) await connection.DisposeAsync();
        }
    }

    private async Task<ConnectionMultiplexer> Connect(string endpoints)
    {
        var options = settings.RedisOptions(endpoints);
        options.AbortOnConnectFail = true; // a store that cannot be reached is an error here, not a key count of zero
        return await ConnectionMultiplexer.ConnectAsync(options);
    }
}
