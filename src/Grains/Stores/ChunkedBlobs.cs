using System.Buffers.Binary;
using System.Security.Cryptography;
using StackExchange.Redis;

namespace Fathom.Grains.Stores;

/// <summary>
/// Large binary values in Redis as 1 MB chunks plus a small header (format version, length, chunk count, SHA-256),
/// so that a 270 MB network never blocks a connection with one value and a corrupted or half-written blob is
/// rejected instead of loaded. The one home of blob layout for the weight and checkpoint stores, and their one
/// checksum layer: every stored blob passes through here, so the formats inside (actor blobs, agent checkpoints)
/// check only their own structure (magic, version, sizes), not their bytes again.
/// Chunks are written with an expiry (<see cref="PendingLifetime"/>) that is lifted only together with writing the
/// header, in one transaction: chunks of a writer that died before its header (a learner killed mid-checkpoint)
/// disappear by themselves instead of filling the store.
/// </summary>
public sealed class ChunkedBlobs(IDatabase database, TimeSpan timeout, TimeSpan? pendingLifetime = null)
{
    private const int FormatVersion = 1;
    private const int ChunkBytes = 1 << 20;
    private const int HeaderBytes = 4 + 8 + 4 + 32;

    /// <summary>How long chunks without a header live: a few times the operation timeout that bounds the writes in between.</summary>
    public TimeSpan PendingLifetime { get; } = pendingLifetime ?? timeout * 4;

    /// <summary>Writes <paramref name="blob"/> under <paramref name="key"/>; the header goes last, so a reader never sees a partial blob.</summary>
    public async Task Put(string key, ReadOnlyMemory<byte> blob, CancellationToken cancellation)
    {
        var chunks = await PutChunks(key, blob, cancellation);
        var header = new byte[HeaderBytes];
        BinaryPrimitives.WriteInt32LittleEndian(header, FormatVersion);
        BinaryPrimitives.WriteInt64LittleEndian(header.AsSpan(4), blob.Length);
        BinaryPrimitives.WriteInt32LittleEndian(header.AsSpan(12), chunks);
        SHA256.HashData(blob.Span, header.AsSpan(16));
        // The chunks become permanent exactly when the header lands; a chunk that already expired undoes the header.
        var transaction = database.CreateTransaction();
        var kept = Enumerable.Range(0, chunks).Select(i => transaction.KeyPersistAsync(ChunkKey(key, i))).ToArray();
        _ = transaction.StringSetAsync(key, header);
        if (!await transaction.ExecuteAsync().WaitAsync(timeout, cancellation))
            throw new IOException($"blob {key}: the transaction that writes its header was not executed");
        // PERSIST answers false for a chunk that is gone (or already had no expiry): only then is it worth a look.
        if ((await Task.WhenAll(kept)).Any(persisted => !persisted) && await AnyChunkMissing(key, chunks))
        {
            await database.KeyDeleteAsync(key).WaitAsync(timeout, cancellation);
            throw new IOException($"blob {key}: chunks expired before the header was written (writing took longer than {PendingLifetime.TotalSeconds:F0} s)");
        }
    }

    /// <summary>The first half of <see cref="Put"/>: the chunks, each expiring after <see cref="PendingLifetime"/>. Returns their number.</summary>
    internal async Task<int> PutChunks(string key, ReadOnlyMemory<byte> blob, CancellationToken cancellation)
    {
        var chunks = (int)((blob.Length + ChunkBytes - 1) / ChunkBytes);
        var writes = new List<Task>(chunks);
        for (var i = 0; i < chunks; i++)
        {
            var start = i * ChunkBytes;
            writes.Add(database.StringSetAsync(ChunkKey(key, i), blob.Slice(start, Math.Min(ChunkBytes, blob.Length - start)), PendingLifetime));
        }
        await Task.WhenAll(writes).WaitAsync(timeout, cancellation);
        return chunks;
    }

    private async Task<bool> AnyChunkMissing(string key, int chunks)
    {
        var exists = await database.KeyExistsAsync([.. Enumerable.Range(0, chunks).Select(i => (RedisKey)ChunkKey(key, i))]);
        return exists != chunks;
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
