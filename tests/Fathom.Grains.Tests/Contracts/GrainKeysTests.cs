using Fathom.Grains.Contracts;

namespace Fathom.Grains.Tests.Contracts;

/// <summary>The segment rule that `fathom resume` names keys by and `fathom delete` finds them by.</summary>
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
}
