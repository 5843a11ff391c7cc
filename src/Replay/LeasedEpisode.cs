using System.Buffers;

namespace Fathom.Replay;

/// <summary>
/// A verified episode still in the blob the store read it into: states and actions are read in place. Dispose it
/// once read, which hands a pooled blob back; nothing may read it afterwards.
/// </summary>
public sealed class LeasedEpisode(EpisodeRef reference, EpisodeHeader header, IMemoryOwner<byte> blob) : IDisposable
{
    public EpisodeRef Ref { get; } = reference;
    public EpisodeHeader Header { get; } = header;
    public int Length => Header.Length;
    public int BlobBytes { get; } = blob.Memory.Length;

    /// <summary>(T+1) x StateDim, row-major.</summary>
    public ReadOnlySpan<float> States => Header.States(blob.Memory.Span);

    /// <summary>T x ActionDim, row-major.</summary>
    public ReadOnlySpan<float> Actions => Header.Actions(blob.Memory.Span);

    /// <summary>A copy that outlives the lease.</summary>
    public Episode ToEpisode() => Header.ToEpisode(blob.Memory.Span);

    public void Dispose() => blob.Dispose();
}
