using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using System.Text;

namespace Fathom.Grains.Replay;

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

    /// <summary>Decodes and verifies a blob; throws <see cref="CorruptEpisodeException"/> saying what is wrong.</summary>
    public static Episode Decode(ReadOnlySpan<byte> blob)
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

        string producer = Encoding.UTF8.GetString(blob.Slice(HeaderBytes, producerBytes));
        var payload = blob[(HeaderBytes + producerBytes)..body];
        var states = new float[stateFloats];
        var actions = new float[actionFloats];
        payload[..(int)(4 * stateFloats)].CopyTo(MemoryMarshal.AsBytes(states.AsSpan()));
        payload[(int)(4 * stateFloats)..].CopyTo(MemoryMarshal.AsBytes(actions.AsSpan()));
        if (policyVersion < 0 || sequence < 0)
            throw new CorruptEpisodeException($"Episode blob declares a negative policy version ({policyVersion}) or sequence ({sequence}).");
        return new Episode(layout, length, states, actions, producer, policyVersion, sequence);
    }

    /// <summary>CRC-32C (Castagnoli), hardware-accelerated through <see cref="BitOperations.Crc32C(uint, ulong)"/>.</summary>
    public static uint Crc32C(ReadOnlySpan<byte> data)
    {
        uint crc = ~0u;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }
        foreach (byte b in data) crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
