using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace Fathom.Replay;

/// <summary>
/// The binary form of an episode (format version 2), little-endian, laid out so that one row can be read by range:
/// first T+1 row records at fixed offsets (row t at t * <see cref="RowBytes"/>), each [state S float32][action A
/// float32, zeros in the final row T][CRC-32C of (UTF-8 episode id, t as i32, state, action)]; then the producer
/// (UTF-8); then a fixed header of <see cref="HeaderBytes"/> (magic "FTEP", version u16, producer length u16,
/// StateDim, ActionDim, GoalStart, GoalDim, Length as i32, PolicyVersion, Sequence as i64); then a CRC-32C of
/// everything before it. A reader that knows the episode's id and length (from the index) and the run's layout finds
/// any row without the rest of the blob; the row's CRC binds it to that episode and position.
/// </summary>
public static class EpisodeCodec
{
    public const ushort FormatVersion = 2;
    public const int HeaderBytes = 44;
    public const int ChecksumBytes = 4;
    private const uint Magic = 0x50455446; // "FTEP" read little-endian

    static EpisodeCodec()
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("The episode codec copies float32 payloads as little-endian memory.");
    }

    /// <summary>Bytes of one row record: a state, an action and the row's CRC-32C.</summary>
    public static int RowBytes(EpisodeLayout layout) => 4 * (layout.StateDim + layout.ActionDim) + ChecksumBytes;

    /// <summary>Where row <paramref name="step"/> starts in a blob.</summary>
    public static long RowOffset(EpisodeLayout layout, int step) => (long)step * RowBytes(layout);

    /// <summary>Exact size of the blob of an episode, so writers can size buffers.</summary>
    public static int EncodedSize(Episode episode)
    {
        long size = (episode.Length + 1L) * RowBytes(episode.Layout) + Encoding.UTF8.GetByteCount(episode.Producer) + HeaderBytes + ChecksumBytes;
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
        var layout = episode.Layout;
        int rowBytes = RowBytes(layout), stateBytes = 4 * layout.StateDim, actionBytes = 4 * layout.ActionDim;
        uint seed = RowSeed(episode.Id);
        var states = MemoryMarshal.AsBytes(episode.States.AsSpan());
        var actions = MemoryMarshal.AsBytes(episode.Actions.AsSpan());
        for (int t = 0; t <= episode.Length; t++)
        {
            var row = span.Slice(t * rowBytes, rowBytes);
            states.Slice(t * stateBytes, stateBytes).CopyTo(row);
            if (t < episode.Length) actions.Slice(t * actionBytes, actionBytes).CopyTo(row[stateBytes..]);
            else row.Slice(stateBytes, actionBytes).Clear();
            BinaryPrimitives.WriteUInt32LittleEndian(row[^ChecksumBytes..], RowCrc(seed, t, row[..^ChecksumBytes]));
        }
        int producerAt = (episode.Length + 1) * rowBytes;
        int producerBytes = Encoding.UTF8.GetBytes(episode.Producer, span[producerAt..]);
        var header = span.Slice(producerAt + producerBytes, HeaderBytes);
        BinaryPrimitives.WriteUInt32LittleEndian(header, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(header[4..], FormatVersion);
        BinaryPrimitives.WriteUInt16LittleEndian(header[6..], (ushort)producerBytes);
        BinaryPrimitives.WriteInt32LittleEndian(header[8..], layout.StateDim);
        BinaryPrimitives.WriteInt32LittleEndian(header[12..], layout.ActionDim);
        BinaryPrimitives.WriteInt32LittleEndian(header[16..], layout.GoalStart);
        BinaryPrimitives.WriteInt32LittleEndian(header[20..], layout.GoalDim);
        BinaryPrimitives.WriteInt32LittleEndian(header[24..], episode.Length);
        BinaryPrimitives.WriteInt64LittleEndian(header[28..], episode.PolicyVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header[36..], episode.Sequence);
        int body = size - ChecksumBytes;
        BinaryPrimitives.WriteUInt32LittleEndian(span[body..], Crc32C(span[..body]));
        return size;
    }

    /// <summary>
    /// Bytes each transition adds to a blob: one row record (state, action, row CRC). The producer name, the header,
    /// the final row and the blob's checksum come once per episode.
    /// </summary>
    public static long BytesPerTransition(EpisodeLayout layout) => RowBytes(layout);

    /// <summary>Decodes and verifies a whole blob (every row CRC, the header and the blob's CRC); throws <see cref="CorruptEpisodeException"/> saying what is wrong.</summary>
    public static Episode Decode(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < HeaderBytes + ChecksumBytes)
            throw new CorruptEpisodeException($"Episode blob of {blob.Length} bytes is shorter than header and checksum ({HeaderBytes + ChecksumBytes} bytes).");
        var header = blob[^(HeaderBytes + ChecksumBytes)..^ChecksumBytes];
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != Magic)
            throw new CorruptEpisodeException("Episode blob does not carry the magic \"FTEP\" in its header.");
        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(header[4..]);
        if (version != FormatVersion)
            throw new CorruptEpisodeException($"Episode blob has format version {version}; this build reads version {FormatVersion}.");
        int body = blob.Length - ChecksumBytes;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(blob[body..]);
        uint computed = Crc32C(blob[..body]);
        if (stored != computed)
            throw new CorruptEpisodeException($"Episode blob checksum mismatch (stored 0x{stored:x8}, computed 0x{computed:x8}).");

        int producerBytes = BinaryPrimitives.ReadUInt16LittleEndian(header[6..]);
        int stateDim = BinaryPrimitives.ReadInt32LittleEndian(header[8..]);
        int actionDim = BinaryPrimitives.ReadInt32LittleEndian(header[12..]);
        int goalStart = BinaryPrimitives.ReadInt32LittleEndian(header[16..]);
        int goalDim = BinaryPrimitives.ReadInt32LittleEndian(header[20..]);
        int length = BinaryPrimitives.ReadInt32LittleEndian(header[24..]);
        long policyVersion = BinaryPrimitives.ReadInt64LittleEndian(header[28..]);
        long sequence = BinaryPrimitives.ReadInt64LittleEndian(header[36..]);
        if (length is < 1 or > Episode.MaxLength)
            throw new CorruptEpisodeException($"Episode blob declares Length {length}, outside [1, {Episode.MaxLength}].");
        if (producerBytes is < 1 or > Episode.MaxProducerBytes)
            throw new CorruptEpisodeException($"Episode blob declares a producer of {producerBytes} bytes, outside [1, {Episode.MaxProducerBytes}].");
        EpisodeLayout layout;
        try { layout = new EpisodeLayout(stateDim, actionDim, goalStart, goalDim); }
        catch (ArgumentOutOfRangeException e) { throw new CorruptEpisodeException($"Episode blob declares an invalid layout: {e.Message}"); }
        if (policyVersion < 0 || sequence < 0)
            throw new CorruptEpisodeException($"Episode blob declares a negative policy version ({policyVersion}) or sequence ({sequence}).");

        int rowBytes = RowBytes(layout);
        long expected = (length + 1L) * rowBytes + producerBytes + HeaderBytes + ChecksumBytes;
        if (expected != blob.Length)
            throw new CorruptEpisodeException($"Episode blob is {blob.Length} bytes but its header ({layout}, Length {length}) implies {expected}.");
        int producerAt = (length + 1) * rowBytes;
        string producer = Encoding.UTF8.GetString(blob.Slice(producerAt, producerBytes));
        string id = Episode.IdOf(producer, sequence);
        var states = new float[(length + 1) * stateDim];
        var actions = new float[length * actionDim];
        int stateBytes = 4 * stateDim, actionBytes = 4 * actionDim;
        var stateOut = MemoryMarshal.AsBytes(states.AsSpan());
        var actionOut = MemoryMarshal.AsBytes(actions.AsSpan());
        for (int t = 0; t <= length; t++)
        {
            var row = blob.Slice(t * rowBytes, rowBytes);
            CheckRow(row, id, t, layout);
            row[..stateBytes].CopyTo(stateOut[(t * stateBytes)..]);
            if (t < length) row.Slice(stateBytes, actionBytes).CopyTo(actionOut[(t * actionBytes)..]);
        }
        return new Episode(layout, length, states, actions, producer, policyVersion, sequence);
    }

    /// <summary>Whether <paramref name="row"/> is row <paramref name="step"/> of episode <paramref name="id"/> as written: right size and its CRC matches.</summary>
    public static bool IsRow(ReadOnlySpan<byte> row, string id, int step, EpisodeLayout layout)
    {
        if (row.Length != RowBytes(layout)) return false;
        return BinaryPrimitives.ReadUInt32LittleEndian(row[^ChecksumBytes..]) == RowCrc(RowSeed(id), step, row[..^ChecksumBytes]);
    }

    /// <summary>As <see cref="IsRow"/>, but throws <see cref="CorruptEpisodeException"/> saying which row failed.</summary>
    public static void CheckRow(ReadOnlySpan<byte> row, string id, int step, EpisodeLayout layout)
    {
        if (!IsRow(row, id, step, layout))
            throw new CorruptEpisodeException($"Row {step} of episode {id} fails its checksum (or is {row.Length} bytes, not {RowBytes(layout)}).");
    }

    /// <summary>The state (S floats) of a verified row record.</summary>
    public static ReadOnlySpan<float> RowState(ReadOnlySpan<byte> row, EpisodeLayout layout) => MemoryMarshal.Cast<byte, float>(row[..(4 * layout.StateDim)]);

    /// <summary>The action (A floats) of a verified row record; zeros in an episode's final row.</summary>
    public static ReadOnlySpan<float> RowAction(ReadOnlySpan<byte> row, EpisodeLayout layout) => MemoryMarshal.Cast<byte, float>(row.Slice(4 * layout.StateDim, 4 * layout.ActionDim));

    /// <summary>The CRC-32C register after the UTF-8 bytes of an episode id: the part of every row CRC that names the episode.</summary>
    private static uint RowSeed(string id)
    {
        Span<byte> utf8 = stackalloc byte[Encoding.UTF8.GetMaxByteCount(id.Length)];
        return Crc32CUpdate(~0u, utf8[..Encoding.UTF8.GetBytes(id, utf8)]);
    }

    private static uint RowCrc(uint seed, int step, ReadOnlySpan<byte> payload)
    {
        Span<byte> position = stackalloc byte[4];
        BinaryPrimitives.WriteInt32LittleEndian(position, step);
        return ~Crc32CUpdate(Crc32CUpdate(seed, position), payload);
    }

    /// <summary>
    /// CRC-32C (Castagnoli) through the hardware instruction (<see cref="BitOperations.Crc32C(uint, ulong)"/>). Its
    /// latency is three times its throughput, so long inputs run as three interleaved streams whose registers are
    /// then combined.
    /// </summary>
    public static uint Crc32C(ReadOnlySpan<byte> data) => ~Crc32CUpdate(~0u, data);

    /// <summary>The raw CRC-32C register after feeding <paramref name="data"/> to <paramref name="crc"/>.</summary>
    private static uint Crc32CUpdate(uint crc, ReadOnlySpan<byte> data)
    {
        crc = Crc32CStreams.LongBlocks.Update(crc, ref data);
        crc = Crc32CStreams.ShortBlocks.Update(crc, ref data);
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return crc;
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
