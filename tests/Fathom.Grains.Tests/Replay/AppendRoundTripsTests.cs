using Fathom.Replay;

namespace Fathom.Grains.Tests.Replay;

/// <summary>How a batch append is cut into backend calls: in order, each call as full as its two bounds allow.</summary>
public class AppendRoundTripsTests
{
    [Fact]
    public void LargeBlobsGoAsManyPerCallAsFitInTheByteBound()
    {
        // Blobs of 8,001 rows of 28 bytes (224 KB): four fit in a mebibyte, five do not.
        var batch = Enumerable.Range(0, 9).Select(n => TestEpisodes.Make(n, 8_000)).ToList();
        var calls = ReplayStoreBase.RoundTrips(batch).ToList();

        Assert.Equal([4, 4, 1], calls.Select(c => c.Length));
        Assert.Equal(batch, calls.SelectMany(c => c));
        Assert.All(calls, c => Assert.True(c.Sum(e => (long)EpisodeCodec.EncodedSize(e)) <= ReplayStoreBase.AppendChunkBytes));
    }

    [Fact]
    public void SmallBlobsGoAsManyPerCallAsTheEpisodeBoundAllows()
    {
        var batch = Enumerable.Range(0, 2 * ReplayStoreBase.AppendChunk + 2).Select(n => TestEpisodes.Make(n, 5)).ToList();
        var calls = ReplayStoreBase.RoundTrips(batch).ToList();

        Assert.Equal([ReplayStoreBase.AppendChunk, ReplayStoreBase.AppendChunk, 2], calls.Select(c => c.Length));
        Assert.Equal(batch, calls.SelectMany(c => c));
    }

    [Fact]
    public void AnEpisodeLargerThanTheByteBoundGoesAloneBetweenItsNeighbours()
    {
        var huge = TestEpisodes.Make(1, 50_000);
        Assert.True(EpisodeCodec.EncodedSize(huge) > ReplayStoreBase.AppendChunkBytes);
        var batch = new[] { TestEpisodes.Make(0, 5), huge, TestEpisodes.Make(2, 5), TestEpisodes.Make(3, 5) };

        var calls = ReplayStoreBase.RoundTrips(batch).ToList();

        Assert.Equal([1, 1, 2], calls.Select(c => c.Length));
        Assert.Same(huge, calls[1][0]);
        Assert.Equal(batch, calls.SelectMany(c => c));
    }
}
