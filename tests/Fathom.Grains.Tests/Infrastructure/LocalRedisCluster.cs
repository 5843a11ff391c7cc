using System.Diagnostics;

namespace Fathom.Grains.Tests.Infrastructure;

/// <summary>
/// A Redis Cluster of N masters (no replicas) made of <see cref="LocalRedisServer"/> processes, created with
/// `redis-cli --cluster create` and ready once every node reports cluster_state:ok. Linked into the benchmarks too.
/// </summary>
public sealed class LocalRedisCluster : IDisposable
{
    private LocalRedisCluster(IReadOnlyList<LocalRedisServer> nodes) => Nodes = nodes;

    public IReadOnlyList<LocalRedisServer> Nodes { get; }
    public IEnumerable<string> EndPoints => Nodes.Select(n => n.EndPoint);

    public static LocalRedisCluster Start(int masters = 3)
    {
        var nodes = new List<LocalRedisServer>();
        try
        {
            for (int i = 0; i < masters; i++) nodes.Add(LocalRedisServer.Start(cluster: true));
            LocalRedisServer.RedisCli(["--cluster", "create", .. nodes.Select(n => n.EndPoint), "--cluster-replicas", "0", "--cluster-yes"]);
            var cluster = new LocalRedisCluster(nodes);
            cluster.WaitReady(TimeSpan.FromSeconds(30));
            return cluster;
        }
        catch
        {
            foreach (var node in nodes) node.Dispose();
            throw;
        }
    }

    private void WaitReady(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (!Nodes.All(n => LocalRedisServer.RedisCli("-p", n.Port.ToString(), "cluster", "info").Contains("cluster_state:ok", StringComparison.Ordinal)))
        {
            if (deadline.Elapsed > timeout) throw new TimeoutException($"Redis Cluster did not reach cluster_state:ok within {timeout}.");
            Thread.Sleep(100);
        }
    }

    public void Dispose()
    {
        foreach (var node in Nodes) node.Dispose();
    }
}
