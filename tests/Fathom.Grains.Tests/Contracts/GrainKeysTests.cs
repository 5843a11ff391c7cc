using Fathom.Grains.Contracts;

namespace Fathom.Grains.Tests.Contracts;

/// <summary>
/// The segment rule that `fathom resume` names keys by and `fathom delete` finds them by, and the silo a per-silo
/// collector's key pins it to.
/// </summary>
public sealed class GrainKeysTests
{
    [Fact]
    public void Segment_keys_and_numbers_are_each_others_inverse_and_match_no_other_run()
    {
        Assert.Equal("r1", GrainKeys.Segment("r1", 1));
        Assert.Equal("r1.resume3", GrainKeys.Segment("r1", 3));
        foreach (var n in new[] { 1, 2, 7, 12 }) Assert.Equal(n, GrainKeys.SegmentNumber(GrainKeys.Segment("r1", n), "r1"));
        Assert.Equal(0, GrainKeys.SegmentNumber("r12", "r1"));
        Assert.Equal(0, GrainKeys.SegmentNumber("r1.resume", "r1"));
        Assert.Equal(0, GrainKeys.SegmentNumber("r1.resume1", "r1"));
        Assert.Equal(0, GrainKeys.SegmentNumber("r1.resumex", "r1"));
        Assert.Equal(0, GrainKeys.SegmentNumber("r1.resume2", "r"));
    }

    [Fact]
    public void A_per_silo_collector_key_names_its_silo_and_no_other_key_names_one()
    {
        var silo = SiloAddress.New(System.Net.IPAddress.Loopback, 11111, 42);
        var key = GrainKeys.Collector("r1.resume2", silo, 3);
        Assert.Equal(silo, GrainKeys.PinnedSilo(key));
        Assert.NotEqual(GrainKeys.Collector("r1", silo, 0), GrainKeys.Collector("r1", silo, 1));
        Assert.NotEqual(key, GrainKeys.Collector("r1.resume2", SiloAddress.New(System.Net.IPAddress.Loopback, 11111, 43), 3));
        Assert.Null(GrainKeys.PinnedSilo(GrainKeys.Collector("r1", 3)));
        Assert.Null(GrainKeys.PinnedSilo(GrainKeys.Learner("r1", "deep")));
        Assert.Null(GrainKeys.PinnedSilo("r1/silo-collector/not-a-silo/0"));
    }
}
