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
        Assert.Contains("magic", Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.Decode(blob.AsSpan(0, blob.Length - 1))).Message);
        Assert.Contains("magic", Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.Decode(Encoding.ASCII.GetBytes(new string('x', 100)))).Message);

        var newer = (byte[])blob.Clone();
        newer[HeaderAt(newer) + 4] = 3;
        Assert.Contains("format version 3", Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.Decode(newer)).Message);
        var flipped = (byte[])blob.Clone();
        flipped[3] ^= 0x01;
        Assert.Contains("checksum", Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.Decode(flipped)).Message);
    }

    [Fact]
    public void AHeaderThatDisagreesWithTheSizeIsRejectedEvenWithAValidChecksum()
    {
        byte[] blob = EpisodeCodec.Encode(TestEpisodes.Make(1, 5));
        blob[HeaderAt(blob) + 24] = 6; // Length 5 -> 6
        Reseal(blob);
        Assert.Contains("implies", Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.Decode(blob)).Message);
    }

    [Fact]
    public void RowsLieAtFixedOffsetsAndReadBackWithoutTheRestOfTheBlob()
    {
        var (episode, layout, blob, rowBytes) = Encoded(number: 9, length: 11);
        Assert.Equal(4 * (4 + 2) + 4, rowBytes);
        for (int t = 0; t <= episode.Length; t++)
        {
            var row = blob.AsSpan((int)EpisodeCodec.RowOffset(layout, t), rowBytes).ToArray(); // what GETRANGE returns
            Assert.True(EpisodeCodec.IsRow(row, episode.Id, t, layout));
            Assert.Equal(episode.States.AsSpan(t * 4, 4).ToArray(), EpisodeCodec.RowState(row, layout).ToArray());
            float[] action = t < episode.Length ? episode.Actions.AsSpan(t * 2, 2).ToArray() : [0f, 0f];
            Assert.Equal(action, EpisodeCodec.RowAction(row, layout).ToArray());
        }
    }

    [Fact]
    public void ACorruptedRowFailsItsOwnChecksumAndOnlyItsOwn()
    {
        var (episode, layout, blob, rowBytes) = Encoded(number: 2, length: 6);
        for (int i = 0; i < rowBytes; i++)
        {
            var corrupted = (byte[])blob.Clone();
            corrupted[3 * rowBytes + i] ^= 0x04;
            Assert.False(EpisodeCodec.IsRow(corrupted.AsSpan(3 * rowBytes, rowBytes), episode.Id, 3, layout));
            Assert.True(EpisodeCodec.IsRow(corrupted.AsSpan(2 * rowBytes, rowBytes), episode.Id, 2, layout));
            Assert.True(EpisodeCodec.IsRow(corrupted.AsSpan(4 * rowBytes, rowBytes), episode.Id, 4, layout));
        }
        Assert.False(EpisodeCodec.IsRow(blob.AsSpan(3 * rowBytes, rowBytes - 1), episode.Id, 3, layout)); // a short read
        Assert.Contains("Row 3 of episode test#2", Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.CheckRow(blob.AsSpan(3 * rowBytes, rowBytes - 1), episode.Id, 3, layout)).Message);
    }

    [Fact]
    public void ARowReadAtTheWrongPositionOrFromAnotherEpisodeFails()
    {
        var (episode, layout, blob, rowBytes) = Encoded(number: 4, length: 8);
        var twin = TestEpisodes.Make(number: 4, length: 8, sequence: 5); // the same floats under another id
        var row = blob.AsSpan(5 * rowBytes, rowBytes);
        Assert.True(EpisodeCodec.IsRow(row, episode.Id, 5, layout));
        Assert.False(EpisodeCodec.IsRow(row, episode.Id, 4, layout));
        Assert.False(EpisodeCodec.IsRow(row, episode.Id, 6, layout));
        Assert.False(EpisodeCodec.IsRow(row, twin.Id, 5, layout));
        Assert.True(EpisodeCodec.IsRow(EpisodeCodec.Encode(twin).AsSpan(5 * rowBytes, rowBytes), twin.Id, 5, layout));
    }

    [Fact]
    public void AWholeBlobWithARowOfAnotherEpisodeIsRejectedEvenWithAValidChecksum()
    {
        var episode = TestEpisodes.Make(number: 4, length: 8);
        byte[] blob = EpisodeCodec.Encode(episode);
        byte[] other = EpisodeCodec.Encode(TestEpisodes.Make(number: 4, length: 8, sequence: 5));
        int rowBytes = EpisodeCodec.RowBytes(episode.Layout);
        other.AsSpan(2 * rowBytes, rowBytes).CopyTo(blob.AsSpan(2 * rowBytes)); // same floats, another episode's row CRC
        Reseal(blob);
        Assert.Contains("Row 2 of episode test#4", Assert.Throws<CorruptEpisodeException>(() => EpisodeCodec.Decode(blob)).Message);
    }

    /// <summary>A test episode, its layout, its blob and the size of its row records.</summary>
    private static (Episode Episode, EpisodeLayout Layout, byte[] Blob, int RowBytes) Encoded(int number, int length)
    {
        var episode = TestEpisodes.Make(number, length);
        return (episode, episode.Layout, EpisodeCodec.Encode(episode), EpisodeCodec.RowBytes(episode.Layout));
    }

    /// <summary>Where the fixed header starts: before the blob's checksum at the end.</summary>
    private static int HeaderAt(byte[] blob) => blob.Length - EpisodeCodec.ChecksumBytes - EpisodeCodec.HeaderBytes;

    /// <summary>Recomputes the blob checksum, as a writer that corrupted the blob before sealing it would.</summary>
    private static void Reseal(byte[] blob)
    {
        int body = blob.Length - EpisodeCodec.ChecksumBytes;
        BitConverter.TryWriteBytes(blob.AsSpan(body), EpisodeCodec.Crc32C(blob.AsSpan(0, body)));
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
