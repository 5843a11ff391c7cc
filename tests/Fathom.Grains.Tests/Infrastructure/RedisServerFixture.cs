using StackExchange.Redis;

namespace Fathom.Grains.Tests.Infrastructure;

/// <summary>One redis-server and a connection to it, shared by the tests of a class (each uses its own run names).</summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    public LocalRedisServer Server { get; } = LocalRedisServer.Start();

    public IConnectionMultiplexer Redis { get; private set; } = null!;

    public async Task InitializeAsync() => Redis = await ConnectionMultiplexer.ConnectAsync(Server.EndPoint);

    public async Task DisposeAsync()
    {
        await Redis.DisposeAsync();
        Server.Dispose();
    }
}
