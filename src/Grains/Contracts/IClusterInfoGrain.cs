namespace Fathom.Grains.Contracts;

/// <summary>Where the cluster's silos keep their stores, so that a client that knows only the membership Redis finds the rest.</summary>
[Alias("fathom.IClusterInfoGrain")]
public interface IClusterInfoGrain : IGrainWithIntegerKey
{
    [Alias("GetStores")]
    Task<StoreEndpoints> GetStores();
}

/// <summary>The stores of the silo that answered (endpoints only: the password never travels).</summary>
[GenerateSerializer, Immutable, Alias("fathom.StoreEndpoints")]
public sealed record StoreEndpoints(
    [property: Id(0)] string State,
    [property: Id(1)] string[] Replay,
    [property: Id(2)] bool ReplayIsCluster);
