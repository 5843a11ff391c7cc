namespace Fathom.Cluster.Tests;

/// <summary>
/// One cluster for a test class: two replay shards, the membership and state Redis, two collector silos and two
/// learner silos, each silo held to <see cref="SiloCpu"/> cores, and a host for a spare collector silo
/// (<see cref="Spare"/>) that tests start and stop themselves. A test that kills a part calls
/// <see cref="EnsureRunningAsync"/> first, so every test starts from a whole cluster.
/// </summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    /// <summary>The collection whose test classes share one cluster and run one after another.</summary>
    public const string Collection = "netns cluster";

    public const double SiloCpu = 0.45;
    public static readonly string[] Roles = ["collector", "collector", "learner", "learner"];

    /// <summary>The index of the spare collector silo, not started by <see cref="EnsureRunningAsync"/>.</summary>
    public static int Spare => Roles.Length;
    static readonly TimeSpan ReadyTimeout = TimeSpan.FromMinutes(2);

    public FathomNetnsCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        if (NetnsCluster.Unavailable() is { } why) throw new InvalidOperationException($"the cluster tests cannot run here: {why}");
        Cluster = new FathomNetnsCluster(shards: 2, siloHosts: Roles.Length + 1);
        await EnsureRunningAsync();
    }

    /// <summary>Restarts any Redis or silo that is not running, and waits until every silo is ready.</summary>
    public async Task EnsureRunningAsync()
    {
        foreach (var host in new[] { FathomNetnsCluster.MembershipHost, FathomNetnsCluster.StateHost }.Concat(Enumerable.Range(0, Cluster.Shards).Select(FathomNetnsCluster.ShardHost)))
        {
            var redis = Cluster.Redis(host);
            if (redis.HasExited) Cluster.StartRedis(host);
        }
        var running = Cluster.Silos.Where(s => !s.Process.HasExited).Select(s => s.Index).ToHashSet();
        for (int i = 0; i < Roles.Length; i++)
            if (!running.Contains(i)) Cluster.StartSilo(i, Roles[i], SiloCpu);
        for (int i = 0; i < Roles.Length; i++) await Cluster.WaitForSiloAsync(i, ReadyTimeout);
    }

    /// <summary>The index of the silo whose address <paramref name="siloAddress"/> (as Orleans prints it) names.</summary>
    public int SiloIndexOf(string siloAddress)
    {
        for (int i = 0; i <= Roles.Length; i++)
            if (siloAddress.Contains(NetnsCluster.Address(Cluster.SiloHost(i)) + ":", StringComparison.Ordinal)) return i;
        throw new InvalidOperationException($"no silo of this cluster has the address {siloAddress}");
    }

    public Task DisposeAsync()
    {
        Cluster?.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(ClusterFixture.Collection)]
public sealed class ClusterCollection : ICollectionFixture<ClusterFixture>;
