using Fathom.Silo.Replay;
using StackExchange.Redis;

namespace Fathom.Grains.Tests.Infrastructure;

/// <summary>The embedded Garnet replay server of the local mode, in this test process on a free loopback port.</summary>
public sealed class GarnetFixture : IAsyncLifetime
{
    public EmbeddedReplayServer Server { get; private set; } = null!;

    public ConfigurationOptions Options => Server.ConfigurationOptions;

    public Task InitializeAsync()
    {
        Server = EmbeddedReplayServer.Start(LocalRedisServer.FreePort(), memory: "256m");
        return Task.CompletedTask;
    }

    public Task DisposeAsync()
    {
        Server.Dispose();
        return Task.CompletedTask;
    }
}

[CollectionDefinition(Name)]
public sealed class GarnetCollection : ICollectionFixture<GarnetFixture>
{
    public const string Name = "Garnet";
}

/// <summary>
/// The in-process cluster runs (a Garnet server of their own): one after another, as they train and time out, but beside
/// the store tests of <see cref="GarnetCollection"/> rather than after them.
/// </summary>
[CollectionDefinition(Name)]
public sealed class GarnetRunsCollection : ICollectionFixture<GarnetFixture>
{
    public const string Name = "Garnet runs";
}

/// <summary>The quickstart learning run, alone with a Garnet of its own: it is the longest test, started first (<see cref="LongestFirst"/>).</summary>
[CollectionDefinition(Name)]
public sealed class QuickstartCollection : ICollectionFixture<GarnetFixture>
{
    public const string Name = "Quickstart";
}
