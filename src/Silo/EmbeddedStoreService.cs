using Fathom.Silo.Replay;
using Microsoft.Extensions.Hosting;

namespace Fathom.Silo;

/// <summary>
/// Ties the local mode's embedded store to the host's life: registered before the silo, so it stops after it
/// (hosted services stop in reverse order) and the silo's last writes still reach it.
/// </summary>
public sealed class EmbeddedStoreService(EmbeddedReplayServer server) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken)
    {
        server.Dispose();
        return Task.CompletedTask;
    }
}
