using StackExchange.Redis;

namespace Fathom.Grains.Tests.Infrastructure;

/// <summary>
/// Three standalone redis-server processes (one replay shard each) with a password, started for a test
/// collection and killed after it. Tests may stop and restart a shard to simulate a crash.
/// </summary>
public sealed class RedisShardsFixture : IAsyncLifetime
{
    public const int ShardCount = 3;

    /// <summary>The password of every shard; tests check it never shows up in messages.</summary>
    public string Password { get; } = "fathom-secret-" + Guid.NewGuid().ToString("N")[..12];

    public IReadOnlyList<LocalRedisServer> Servers { get; private set; } = [];

    /// <summary>Connection settings of every shard, password included.</summary>
    public IReadOnlyList<ConfigurationOptions> ShardOptions => Servers.Select(s => new ConfigurationOptions { EndPoints = { s.EndPoint }, Password = Password }).ToList();

    public Task InitializeAsync()
    {
        Servers = Enumerable.Range(0, ShardCount).Select(_ => LocalRedisServer.Start(Password)).ToList();
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        foreach (var server in Servers) server.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class RedisShardsCollection : ICollectionFixture<RedisShardsFixture>
{
    public const string Name = "Redis shards";
}
