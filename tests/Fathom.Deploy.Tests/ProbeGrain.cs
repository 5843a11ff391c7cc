namespace Fathom.Deploy.Tests;

/// <summary>A grain to call so that the Orleans meter reports request and messaging metrics in <see cref="TelemetryScrape"/>.</summary>
[Alias("Fathom.Deploy.Tests.IProbeGrain")]
public interface IProbeGrain : IGrainWithIntegerKey
{
    [Alias("Ping")]
    Task<int> Ping();
}

public sealed class ProbeGrain : Grain, IProbeGrain
{
    public Task<int> Ping() => Task.FromResult(1);
}
