using StackExchange.Redis;

namespace Fathom.Grains.Tests.Infrastructure;

/// <summary>A three-master Redis Cluster started for a test collection and killed after it.</summary>
public sealed class RedisClusterFixture : IAsyncLifetime
{
    public LocalRedisCluster Cluster { get; private set; } = null!;

    /// <summary>Connection settings naming every master (the client discovers the slot map).</summary>
    public ConfigurationOptions Options
    {
        get
        {
            var options = new ConfigurationOptions();
            foreach (var endpoint in Cluster.EndPoints) options.EndPoints.Add(endpoint);
            return options;
        }
    }

    public Task InitializeAsync()
    {
        Cluster = LocalRedisCluster.Start(masters: 3);
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Cluster.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class RedisClusterCollection : ICollectionFixture<RedisClusterFixture>
{
    public const string Name = "Redis cluster";
}
