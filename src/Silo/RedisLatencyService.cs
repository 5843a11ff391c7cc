using Fathom.Grains.Telemetry;
using Microsoft.Extensions.Hosting;

namespace Fathom.Silo;

/// <summary>Records Redis command latency (<see cref="RedisCommandLatency"/>) for the life of the silo.</summary>
public sealed class RedisLatencyService : IHostedService, IDisposable
{
    private IDisposable? _recording;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _recording ??= RedisCommandLatency.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _recording?.Dispose();
}
