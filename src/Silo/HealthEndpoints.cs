using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Fathom.Silo;

/// <summary>
/// Kubernetes probes: /healthz/live answers as long as the process serves requests; /healthz/ready once the silo
/// has started (the Orleans hosted service has joined the cluster) and until shutdown begins, so that traffic
/// drains before the workers stop.
/// </summary>
public static class HealthEndpoints
{
    public static void MapFathomHealth(this WebApplication app)
    {
        var lifetime = app.Services.GetRequiredService<IHostApplicationLifetime>();
        app.MapGet("/healthz/live", () => Results.Ok("live"));
        app.MapGet("/healthz/ready", () =>
            lifetime.ApplicationStarted.IsCancellationRequested && !lifetime.ApplicationStopping.IsCancellationRequested
                ? Results.Ok("ready")
                : Results.StatusCode(StatusCodes.Status503ServiceUnavailable));
    }
}
