using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Fathom.Grains.Replay;

/// <summary>
/// <see cref="RespConnection"/>s to one server, one per operation in flight, at most <paramref name="maxConnections"/>
/// (callers beyond wait); idle ones are kept for the next operation.
/// </summary>
internal sealed class RespConnectionPool(EndPoint endpoint, ConfigurationOptions options, int maxConnections) : IDisposable
{
    private readonly ConcurrentBag<RespConnection> _idle = [];
    private readonly SemaphoreSlim _slots = new(maxConnections, maxConnections);
    private volatile bool _disposed;

    public EndPoint EndPoint => endpoint;

    /// <summary>
    /// Runs <paramref name="operation"/> on a connection of its own. Operations must be safe to repeat: one that failed
    /// on a kept connection runs once more on a fresh one, since a kept connection may have died while idle (a server
    /// restart). A lost connection throws <see cref="RedisConnectionException"/> naming the endpoint.
    /// </summary>
    public async Task<T> RunAsync<T>(Func<RespConnection, CancellationToken, Task<T>> operation, CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken);
        try
        {
            while (true)
            {
                bool kept = _idle.TryTake(out var connection);
                connection ??= await RespConnection.OpenAsync(endpoint, options, cancellationToken);
                try
                {
                    var result = await operation(connection, cancellationToken);
                    if (_disposed || connection.Broken) connection.Dispose();
                    else _idle.Add(connection);
                    return result;
                }
                catch (Exception e) when (IsConnectionLoss(e) && !cancellationToken.IsCancellationRequested)
                {
                    connection.Dispose();
                    if (kept) continue;
                    throw RespConnection.ConnectionError(ConnectionFailureType.SocketFailure, $"Lost the connection to {endpoint}: {e.Message}", e);
                }
                catch
                {
                    connection.Dispose();
                    throw;
                }
            }
        }
        finally
        {
            _slots.Release();
        }
    }

    private static bool IsConnectionLoss(Exception e) => e is IOException or SocketException or ObjectDisposedException;

    public void Dispose()
    {
        _disposed = true;
        while (_idle.TryTake(out var connection)) connection.Dispose();
    }
}
