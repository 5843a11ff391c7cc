using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Fathom.Replay;

/// <summary>
/// <see cref="RespConnection"/>s to one server, one per operation in flight, at most <paramref name="maxConnections"/>
/// (callers beyond wait); idle ones are kept for the next operation. A caller on a thread of its own (a collector's
/// worker thread, a sampler's prefetch loop, a benchmark's writer) gets a <see cref="RespConnection.Synchronous"/>
/// connection and blocks in the kernel; a caller on the thread pool (grains, tests) awaits.
/// </summary>
internal sealed class RespConnectionPool(EndPoint endpoint, ConfigurationOptions options, int maxConnections) : IDisposable
{
    private readonly ConcurrentBag<RespConnection> _idleAwaiting = [], _idleBlocking = [];
    private readonly SemaphoreSlim _slots = new(maxConnections, maxConnections);
    private volatile bool _disposed;

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
            bool synchronous = !Thread.CurrentThread.IsThreadPoolThread;
            while (true)
            {
                bool kept = Idle(synchronous).TryTake(out var connection);
                connection ??= await RespConnection.OpenAsync(endpoint, options, synchronous, cancellationToken);
                try
                {
                    var result = await operation(connection, cancellationToken);
                    Keep(connection);
                    return result;
                }
                catch (Exception e) when (IsConnectionLoss(e) && !cancellationToken.IsCancellationRequested)
                {
                    connection.Dispose();
                    if (kept) continue;
                    throw RespConnection.ConnectionError(ConnectionFailureType.SocketFailure, $"Lost the connection to {endpoint}: {e.Message}", e);
                }
                catch (Exception e) when (cancellationToken.IsCancellationRequested)
                {
                    // Cancelled, or timed out: the connection was aborted under the operation (a blocking call cannot
                    // be abandoned, so this is how it ends), whatever the socket threw.
                    connection.Dispose();
                    throw new OperationCanceledException($"An operation on {endpoint} was cancelled.", e, cancellationToken);
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

    /// <summary>
    /// A blocking connection taken outside <see cref="RunAsync{T}"/>, for a caller on a thread of its own that spreads one
    /// piece of work over several servers (send to each, then read from each); waits for a free slot. Give it back
    /// with <see cref="Return"/>. Not repeated on a fresh connection: the caller copes with a failure.
    /// </summary>
    public RespConnection RentBlocking(CancellationToken cancellationToken)
    {
        _slots.Wait(cancellationToken);
        try
        {
            return Idle(synchronous: true).TryTake(out var connection) ? connection
                : RespConnection.OpenAsync(endpoint, options, synchronous: true, cancellationToken).GetAwaiter().GetResult(); // completes before it returns
        }
        catch
        {
            _slots.Release();
            throw;
        }
    }

    /// <summary>Takes back a connection from <see cref="RentBlocking"/>: kept if sound, closed if it failed.</summary>
    public void Return(RespConnection connection)
    {
        Keep(connection);
        _slots.Release();
    }

    private ConcurrentBag<RespConnection> Idle(bool synchronous) => synchronous ? _idleBlocking : _idleAwaiting;

    /// <summary>Keeps a sound connection for the next operation of its kind; closes one that failed.</summary>
    private void Keep(RespConnection connection)
    {
        if (_disposed || connection.Broken) connection.Dispose();
        else Idle(connection.Synchronous).Add(connection);
    }

    /// <summary>What a socket throws when its connection is gone (or was closed under it).</summary>
    internal static bool IsConnectionLoss(Exception e) => e is IOException or SocketException or ObjectDisposedException;

    public void Dispose()
    {
        _disposed = true;
        foreach (var idle in new[] { _idleAwaiting, _idleBlocking })
            while (idle.TryTake(out var connection)) connection.Dispose();
    }
}
