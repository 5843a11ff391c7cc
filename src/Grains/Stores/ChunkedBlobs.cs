using System.Buffers.Binary;
using System.Security.Cryptography;
using StackExchange.Redis;

namespace Fathom.Grains.Stores;

/// <summary>
/// Large binary values in Redis as 1 MB chunks plus a small header (format version, length, chunk count, SHA-256),
/// so that a 270 MB network never blocks a connection with one value and a corrupted or half-written blob is
/// rejected instead of loaded. The one home of blob layout for the weight and checkpoint stores.
/// </summary>
public sealed class ChunkedBlobs(IDatabase database, TimeSpan timeout)
{
    private const int FormatVersion = 1;
    private const int ChunkBytes = 1 << 20;
    private const int HeaderBytes = 4 + 8 + 4 + 32;

    /// <summary>Writes <paramref name="blob"/> under <paramref name="key"/>; the header goes last, so a reader never sees a partial blob.</summary>
    public async Task Put(string key, ReadOnlyMemory<byte> blob, CancellationToken cancellation)
    {
        var chunks = (int)((blob.Length + ChunkBytes - 1) / ChunkBytes);
        var writes = new List<Task>(chunks);
        for (var i = 0; i < chunks; i++)
        {
            var start = i * ChunkBytes;
            writes.Add(database.StringSetAsync(ChunkKey(key, i), blob.Slice(start, Math.Min(ChunkBytes, blob.Length - start))));
        }
        await Task.WhenAll(writes).WaitAsync(timeout, cancellation);
        var header = new byte[HeaderBytes];
        BinaryPrimitives.WriteInt32LittleEndian(header, FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(4), blob.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), chunks);
        SHA256.HashData(blob.Span, header.AsSpan(16));
        await database.StringSetAsync(key, header).WaitAsync(timeout, cancellation);
    }

    /// <summary>The blob under <paramref name="key"/>, or null if there is none; throws <see cref="InvalidDataException"/> if it fails its checks.</summary>
    public async Task<byte[]?> Get(string key, CancellationToken cancellation)
    {
        var header = (byte[]?)await database.StringGetAsync(key).WaitAsync(timeout, cancellation);
        if (header is null) return null;
        if (header.Length != HeaderBytes || BinaryPrimitives.ReadInt32LittleEndian(header) != FormatVersion)
            throw new InvalidDataException($"blob {key}: unknown header (expected format {FormatVersion}, {HeaderBytes} bytes)");
        var length = BinaryPrimitives.ReadInt64LittleEndian(header.AsSpan(4));
        var chunks = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
        var reads = Enumerable.Range(0, chunks).Select(i => database.StringGetAsync(ChunkKey(key, i))).ToArray();
        var parts = await Task.WhenAll(reads).WaitAsync(timeout, cancellation);
        var blob = new byte[length];
        var offset = 0;
        foreach (var part in parts)
        {
            var bytes = (byte[]?)part ?? throw new InvalidDataException($"blob {key}: a chunk is missing");
            if (offset + bytes.Length > length) throw new InvalidDataException($"blob {key}: chunks longer than the header says ({length} bytes)");
            bytes.CopyTo(blob, offset);
            offset += bytes.Length;
        }
        if (offset != length) throw new InvalidDataException($"blob {key}: {offset} bytes where the header says {length}");
        if (!SHA256.HashData(blob).AsSpan().SequenceEqual(header.AsSpan(16)))
            throw new InvalidDataException($"blob {key}: checksum mismatch");
        return blob;
    }

    /// <summary>Lets a blob expire after <paramref name="after"/> (readers that already hold its key can still finish).</summary>
    public async Task Expire(string key, TimeSpan after, CancellationToken cancellation)
    {
        var header = (byte[]?)await database.StringGetAsync(key).WaitAsync(timeout, cancellation);
        if (header is null || header.Length != HeaderBytes) return;
        var chunks = BinaryPrimitives.ReadInt32LittleEndian(header.AsSpan(12));
        var expiries = Enumerable.Range(0, chunks).Select(i => database.KeyExpireAsync(ChunkKey(key, i), after)).Append(database.KeyExpireAsync(key, after));
        await Task.WhenAll(expiries).WaitAsync(timeout, cancellation);
    }

    private static string ChunkKey(string key, int index) => $"{key}:chunk:{index}";
}
