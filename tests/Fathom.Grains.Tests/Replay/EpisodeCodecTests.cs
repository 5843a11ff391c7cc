using System.Text;
using Fathom.Replay;

namespace Fathom.Grains.Tests.Replay;

public class EpisodeCodecTests
{
    [Fact]
    public void RoundTripIsByteIdenticalAndKeepsEveryField()
    {
        var episode = TestEpisodes.Make(number: 3, length: 17, producer: "collector-ü", sequence: 42);
        byte[] blob = EpisodeCodec.Encode(episode);
        var decoded = EpisodeCodec.Decode(blob);

        Assert.Equal(blob, EpisodeCodec.Encode(decoded));
        Assert.Equal(episode.Layout, decoded.Layout);
        Assert.Equal(17, decoded.Length);
        Assert.Equal(episode.States, decoded.States);
        Assert.Equal(episode.Actions, decoded.Actions);
        Assert.Equal("collector-ü", decoded.Producer);
        Assert.Equal(3, decoded.PolicyVersion);
        Assert.Equal(42, decoded.Sequence);
        Assert.Equal(EpisodeCodec.EncodedSize(episode), blob.Length);
    }

    [Fact]
    public void Crc32CMatchesTheStandardCheckValue()
    {
        Assert.Equal(0xE3069283u, EpisodeCodec.Crc32C(Encoding.ASCII.GetBytes("123456789")));
    }

    /// <summary>The interleaved streams against the bit-by-bit definition, around every block and round boundary.</summary>
    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData(767)]
    [InlineData(768)]
    [InlineData(769)]
    [InlineData(12_287)]
    [InlineData(12_288)]
    [InlineData(12_288 + 768 + 9)]
    [InlineData(160_181)]
    public void Crc32CEqualsTheBitwiseDefinitionAtEveryLength(int length)
    {
        var data = new byte[length + 3];
        new Random(length).NextBytes(data);
        // An odd offset too: blobs come at any alignment.
        foreach (int offset in new[] { 0, 3 })
        {
            var span = data.AsSpan(offset, length);
            uint crc = ~0u;
            foreach (byte b in span)
            {
                crc ^= b;
                for (int bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? crc >> 1 ^ 0x82F63B78u : crc >> 1;
            }
            Assert.Equal(~crc, EpisodeCodec.Crc32C(span));
        }
    }

    [Fact]
    public void EveryFlippedByteIsRejected()
    {
        byte[] blob = EpisodeCodec.Encode(TestEpisodes.Make(1, 5));
        for (int i = 0; i < blob.Length; i++)
        {
            var corrupted = (byte[])blob.Clone();
            corrupted[i] ^= 0x10;
            Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.Decode(corrupted));
        }
    }

    [Fact]
    public void TruncatedOrForeignBlobsAreRejectedWithTheReason()
    {
        byte[] blob = EpisodeCodec.Encode(TestEpisodes.Make(1, 5));
        Assert.Contains("shorter", Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.Decode(blob.AsSpan(0, 10))).Message);
        Assert.Contains("checksum", Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.Decode(blob.AsSpan(0, blob.Length - 1))).Message);
        Assert.Contains("magic", Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.Decode(Encoding.ASCII.GetBytes(new string('x', 100)))).Message);

        var newer = (byte[])blob.Clone();
        newer[4] = 2;
        Assert.Contains("format version 2", Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.Decode(newer)).Message);
    }

    [Fact]
    public void AHeaderThatDisagreesWithTheSizeIsRejectedEvenWithAValidChecksum()
    {
        byte[] blob = EpisodeCodec.Encode(TestEpisodes.Make(1, 5));
        blob[24] = 6; // Length 5 -> 6
        int body = blob.Length - EpisodeCodec.ChecksumBytes;
        BitConverter.TryWriteBytes(blob.AsSpan(body), EpisodeCodec.Crc32C(blob.AsSpan(0, body)));
        Assert.Contains("implies", Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.Decode(blob)).Message);
    }

    [Fact]
    public void BadEpisodesAndLayoutsNameTheFieldAndRange()
    {
        Assert.Equal("goalDim", Assert.Throws<ArgumentOutOfRangeException>(() => new EpisodeLayout(4, 2, 0, 5)).ParamName);
        Assert.Equal("goalStart", Assert.Throws<ArgumentOutOfRangeException>(() => new EpisodeLayout(4, 2, 3, 2)).ParamName);
        var layout = TestEpisodes.Layout;
        var e = Assert.Throws<ArgumentException>(() => new Episode(layout, 3, new float[12], new float[6], "p", 0, 0));
        Assert.Equal("states", e.ParamName);
        Assert.Contains("(Length+1)*StateDim = 16", e.Message);
        Assert.Equal("producer", Assert.Throws<ArgumentException>(() => new Episode(layout, 3, new float[16], new float[6], "", 0, 0)).ParamName);
    }
}
