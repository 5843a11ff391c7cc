using StackExchange.Redis;

namespace Fathom.Grains.Stores;

/// <summary>
/// What the host does with each Redis connection a replay store opens (the state multiplexer is in the service
/// container already): the silo hands them to the StackExchange.Redis tracing instrumentation, so replay commands
/// have spans and count in the Redis latency metric. The returned handle undoes it; it is disposed before the store.
/// </summary>
public sealed record RedisConnectionHook(Func<IConnectionMultiplexer, IDisposable> OnConnected);
