using Fathom.Replay;
using Fathom.Grains.Specs;
using Fathom.Grains.Stores;
using Fathom.Grains.Workers;

namespace Fathom.Grains.Tests.Stores;

public sealed class ReplayStoresTests
{
    private static ExperimentSpec WithCapacity(long capacity)
    {
        var spec = Presets.Load("quickstart");
        return spec with { Replay = spec.Replay with { CapacityTransitions = capacity, MinTransitions = 1 } };
    }

    private static long BytesPerTransition(ExperimentSpec spec) => EpisodeCodec.BytesPerTransition(EnvironmentFactory.Layout(spec.Environment));

    [Fact]
    public async Task A_replay_larger_than_the_store_holds_safely_is_refused_by_field_with_its_range()
    {
        var spec = WithCapacity(1);
        long bytes = BytesPerTransition(spec);
        var limit = new ReplayBytesLimit(1000 * bytes, "40% of FATHOM_LOCAL_STORE_MEMORY=test");
        await using var stores = new ReplayStores(new StoreSettings(["127.0.0.1:1"], false, "127.0.0.1:1", null, TimeSpan.FromSeconds(1), ReplayBytesLimit: limit));

        stores.ThrowIfTooLarge(WithCapacity(1000));
        var error = Assert.Throws<SpecException>(() => stores.ThrowIfTooLarge(WithCapacity(1001)));
        var message = Assert.Single(error.Errors);
        Assert.StartsWith("replay.capacity:", message);
        Assert.Contains("[1, 1000]", message);
        Assert.Contains("FATHOM_LOCAL_STORE_MEMORY", message);
    }

    [Fact]
    public async Task Without_a_known_limit_any_capacity_passes()
    {
        await using var stores = new ReplayStores(new StoreSettings(["127.0.0.1:1"], false, "127.0.0.1:1", null, TimeSpan.FromSeconds(1)));
        stores.ThrowIfTooLarge(WithCapacity(1L << 40));
    }
}
