namespace Fathom.Replay;

/// <summary>A stored blob is malformed or corrupted (bad magic, version, shape or checksum); it is never trained on.</summary>
public sealed class CorruptEpisodeException(string message) : Exception(message);
