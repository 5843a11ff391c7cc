using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace Fathom.Replay;

/// <summary>
/// The binary form of an episode, little-endian:
/// magic "FTEP", format version (u16), producer length (u16), StateDim, ActionDim, GoalStart, GoalDim, Length (i32 each),
/// PolicyVersion, Sequence (i64 each), producer (UTF-8), states ((T+1)*S float32), actions (T*A float32),
/// then a CRC-32C (Castagnoli) of everything before it.
/// </summary>
public static class EpisodeCodec
{
    public const ushort FormatVersion = 1;
    public const int HeaderBytes = 44;
    public const int ChecksumBytes = 4;
    private const uint Magic = 0x50455446; // "FTEP" read little-endian

    static EpisodeCodec()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("The episode codec copies float32 payloads as little-endian memory.");
    }

    /// <summary>Exact size of the blob of an episode, so writers can size buffers.</summary>
    public static int EncodedSize(Episode episode)
    {
        long size = HeaderBytes + Encoding.UTF8.GetByteCount(episode.Producer) + 4L * (episode.States.Length + episode.Actions.Length) + ChecksumBytes;
        if (size > Array.MaxLength) throw new ArgumentException($"Episode of {size} bytes exceeds the largest blob ({Array.MaxLength} bytes).", nameof(episode));
        return (int)size;
    }

    public static byte[] Encode(Episode episode)
    {
        var blob = new byte[EncodedSize(episode)];
        EncodeTo(episode, blob);
        return blob;
    }

    /// <summary>Encodes into <paramref name="destination"/> (e.g. a pooled buffer); returns the blob's length.</summary>
    public static int EncodeTo(Episode episode, Span<byte> destination)
    {
        int size = EncodedSize(episode);
        if (destination.Length < size) throw new ArgumentException($"Destination holds {destination.Length} bytes; the blob needs {size}.", nameof(destination));
        var span = destination[..size];
        int producerBytes = Encoding.UTF8.GetBytes(episode.Producer, span[HeaderBytes..]);
        BinaryPrimitives.WriteUInt32LittleEndian(span, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(span[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(span[6..], (ushort)producerBytes);
        BinaryPrimitives.WriteInt32LittleEndian(span[8..], episode.Layout.StateDim);
        BinaryPrimitives.WriteInt32LittleEndian(span[12..], episode.Layout.ActionDim);
        BinaryPrimitives.WriteInt32LittleEndian(span[16..], episode.Layout.GoalStart);
        BinaryPrimitives.WriteInt32LittleEndian(span[20..], episode.Layout.GoalDim);
        BinaryPrimitives.WriteInt32LittleEndian(span[24..], episode.Length);
        BinaryPrimitives.WriteInt64LittleEndian(span[28..], episode.PolicyVersion);
        BinaryPrimitives.WriteInt64LittleEndian(span[36..], episode.Sequence);
        var payload = span[(HeaderBytes + producerBytes)..];
        var states = MemoryMarshal.AsBytes(episode.States.AsSpan());
        var actions = MemoryMarshal.AsBytes(episode.Actions.AsSpan());
        states.CopyTo(payload);
        actions.CopyTo(payload[states.Length..]);
        int body = size - ChecksumBytes;
        BinaryPrimitives.WriteUInt32LittleEndian(span[body..], Crc32C(span[..body]));
        return size;
    }

    /// <summary>
    /// Payload bytes each transition adds to a blob: one state row and one action row of float32. The header, the
    /// producer name, the final state and the checksum come once per episode.
    /// </summary>
    public static long BytesPerTransition(EpisodeLayout layout) => 4L * (layout.StateDim + layout.ActionDim);

    /// <summary>Decodes and verifies a blob into a new episode; throws <see cref="CorruptEpisodeException"/> saying what is wrong.</summary>
    public static Episode Decode(ReadOnlySpan<byte> blob)
    {
        return Verify(blob).ToEpisode(blob);
    }

    /// <summary>
    /// Verifies a blob (magic, format version, checksum, header values, size) without copying its payload; the
    /// returned header reads states and actions in place. Throws <see cref="CorruptEpisodeException"/> saying what is wrong.
    /// </summary>
    public static EpisodeHeader Verify(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < HeaderBytes + ChecksumBytes)
            throw new CorruptEpisodeException($"Episode blob of {blob.Length} bytes is shorter than header and checksum ({HeaderBytes + ChecksumBytes} bytes).");
        if (BinaryPrimitives.ReadUInt32LittleEndian(blob) != Magic)
            throw new CorruptEpisodeException("Episode blob does not start with the magic \"FTEP\".");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(blob[4..]);
        if (version != FormatVersion)
            throw new CorruptEpisodeException($"Episode blob has format version {version}; this build reads version {FormatVersion}.");
        int body = blob.Length - ChecksumBytes;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(blob[body..]);
        uint computed = Crc32C(blob[..body]);
        if (stored != computed)
            throw new CorruptEpisodeException($"Episode blob checksum mismatch (stored 0x{stored:x8}, computed 0x{computed:x8}).");

        int producerBytes = BinaryPrimitives.ReadUInt16LittleEndian(blob[6..]);
        int stateDim = BinaryPrimitives.ReadInt32LittleEndian(blob[8..]);
        int actionDim = BinaryPrimitives.ReadInt32LittleEndian(blob[12..]);
        int goalStart = BinaryPrimitives.ReadInt32LittleEndian(blob[16..]);
        int goalDim = BinaryPrimitives.ReadInt32LittleEndian(blob[20..]);
        int length = BinaryPrimitives.ReadInt32LittleEndian(blob[24..]);
        long policyVersion = BinaryPrimitives.ReadInt64LittleEndian(blob[28..]);
        long sequence = BinaryPrimitives.ReadInt64LittleEndian(blob[36..]);
        if (length is < 1 or > Episode.MaxLength)
            throw new CorruptEpisodeException($"Episode blob declares Length {length}, outside [1, {Episode.MaxLength}].");
        if (producerBytes is < 1 or > Episode.MaxProducerBytes)
            throw new CorruptEpisodeException($"Episode blob declares a producer of {producerBytes} bytes, outside [1, {Episode.MaxProducerBytes}].");
        EpisodeLayout layout;
        try { layout = new EpisodeLayout(stateDim, actionDim, goalStart, goalDim); }
        catch (ArgumentOutOfRangeException e) { throw new CorruptEpisodeException($"Episode blob declares an invalid layout: {e.Message}"); }

        long stateFloats = (long)(length + 1) * stateDim, actionFloats = (long)length * actionDim;
        long expected = HeaderBytes + producerBytes + 4 * (stateFloats + actionFloats) + ChecksumBytes;
        if (expected != blob.Length)
            throw new CorruptEpisodeException($"Episode blob is {blob.Length} bytes but its header ({layout}, Length {length}) implies {expected}.");
        if (policyVersion < 0 || sequence < 0)
            throw new CorruptEpisodeException($"Episode blob declares a negative policy version ({policyVersion}) or sequence ({sequence}).");
        string producer = Encoding.UTF8.GetString(blob.Slice(HeaderBytes, producerBytes));
        return new EpisodeHeader(layout, length, producer, policyVersion, sequence, HeaderBytes + producerBytes);
    }

    /// <summary>
    /// CRC-32C (Castagnoli) through the hardware instruction (<see cref="BitOperations.Crc32C(uint, ulong)"/>). Its
    /// latency is three times its throughput, so long inputs run as three interleaved streams whose registers are
    /// then combined: every sampled episode is checked, and one stream alone made the check a tenth of the
    /// sampler's CPU time.
    /// </summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        crc = Crc32CStreams.LongBlocks.Update(crc, ref data);
        crc = Crc32CStreams.ShortBlocks.Update(crc, ref data);
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }

    /// <summary>
    /// Three CRC-32C streams over consecutive blocks of <see cref="Block"/> bytes. The raw CRC register is linear, so
    /// the register over A||B is shift(register over A) xor (register over B from zero), where shift feeds Block zero
    /// bytes; shift is tabulated per byte of the register.
    /// </summary>
    private sealed class Crc32CStreams
    {
        public static readonly Crc32CStreams LongBlocks = new(4096);
        public static readonly Crc32CStreams ShortBlocks = new(256);

        private readonly uint[] _shift = new uint[4 * 256];

        private Crc32CStreams(int block)
        {
            Block = block;
            var basis = new uint[32];
            for (int bit = 0; bit < 32; bit++)
            {
                uint register = 1u << bit;
                for (int i = 0; i < block / 8; i++) register = BitOperations.Crc32C(register, 0UL);
                basis[bit] = register;
            }
            for (int b = 0; b < 256; b++)
                for (int bit = 0; bit < 8; bit++)
                    if ((b >> bit & 1) != 0)
                        for (int octet = 0; octet < 4; octet++) _shift[octet * 256 + b] ^= basis[octet * 8 + bit];
        }

        public int Block { get; }

        /// <summary>Consumes whole rounds of three blocks from the front of <paramref name="data"/>.</summary>
        public uint Update(uint crc, ref ReadOnlySpan<byte> data)
        {
            while (data.Length >= 3 * Block)
            {
                var first = MemoryMarshal.Cast<byte, ulong>(data[..Block]);
                var second = MemoryMarshal.Cast<byte, ulong>(data.Slice(Block, Block));
                var third = MemoryMarshal.Cast<byte, ulong>(data.Slice(2 * Block, Block));
                uint a = crc, b = 0, c = 0;
                for (int i = 0; i < first.Length; i++)
                {
                    a = BitOperations.Crc32C(a, first[i]);
                    b = BitOperations.Crc32C(b, second[i]);
                    c = BitOperations.Crc32C(c, third[i]);
                }
                crc = Shift(Shift(a) ^ b) ^ c;
                data = data[(3 * Block)..];
            }
            return crc;
        }

        private uint Shift(uint register) =>
            _shift[register & 0xff] ^ _shift[256 + (register >> 8 & 0xff)] ^ _shift[512 + (register >> 16 & 0xff)] ^ _shift[768 + (register >> 24)];
    }
}

/// <summary>
/// What a verified blob declares, and where its payload lies: states ((T+1) x S float32) start at
/// <see cref="PayloadOffset"/>, actions (T x A) follow. Reading in place spares a copy of every sampled episode.
/// </summary>
public sealed record EpisodeHeader(EpisodeLayout Layout, int Length, string Producer, long PolicyVersion, long Sequence, int PayloadOffset)
{
    public int StateFloats => (Length + 1) * Layout.StateDim;
    public int ActionFloats => Length * Layout.ActionDim;

    /// <summary>The episode's id, as <see cref="Episode.Id"/> forms it.</summary>
    public string Id => Episode.IdOf(Producer, Sequence);

    public ReadOnlySpan<float> States(ReadOnlySpan<byte> blob) => MemoryMarshal.Cast<byte, float>(blob.Slice(PayloadOffset, 4 * StateFloats));

    public ReadOnlySpan<float> Actions(ReadOnlySpan<byte> blob) => MemoryMarshal.Cast<byte, float>(blob.Slice(PayloadOffset + 4 * StateFloats, 4 * ActionFloats));

    /// <summary>A copy of the episode in <paramref name="blob"/> (the blob this header was read from).</summary>
    public Episode ToEpisode(ReadOnlySpan<byte> blob) => new(Layout, Length, States(blob).ToArray(), Actions(blob).ToArray(), Producer, PolicyVersion, Sequence);
}
