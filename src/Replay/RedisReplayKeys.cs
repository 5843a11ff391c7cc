namespace Fathom.Replay;

/// <summary>
/// The one home of replay key names. All keys of one shard share the hash tag {RUN:shard-I}, so a shard's
/// append script touches one Redis Cluster slot, and the tags of different shards spread over the slots.
/// </summary>
public static class RedisReplayKeys
{
    public static string Tag(string run, int shard) => $"{{{run}:shard-{shard}}}";

    /// <summary>String: one episode's encoded blob.</summary>
    public static string Episode(string run, int shard, string id) => EpisodePrefix(run, shard) + id;

    /// <summary>What every blob key of a shard starts with (the index script appends the evicted id to it).</summary>
    public static string EpisodePrefix(string run, int shard) => $"fathom:replay:{Tag(run, shard)}:episode:";

    /// <summary>SCAN pattern of every key of one shard (run names hold no glob characters).</summary>
    public static string ShardPattern(string run, int shard) => $"fathom:replay:{Tag(run, shard)}:*";

    /// <summary>SCAN pattern of every replay key of a run, on any shard.</summary>
    public static string RunPattern(string run) => $"fathom:replay:{{{run}:shard-*}}:*";

    /// <summary>Hash: episode id -> length, of indexed episodes only (a blob may briefly be stored before it is indexed).</summary>
    public static string Lengths(string run, int shard) => $"fathom:replay:{Tag(run, shard)}:lengths";

    /// <summary>List of "LENGTH:ID", oldest first: the eviction order and the sampling index.</summary>
    public static string Index(string run, int shard) => $"fathom:replay:{Tag(run, shard)}:index";

    /// <summary>Integer: transitions held now.</summary>
    public static string Size(string run, int shard) => $"fathom:replay:{Tag(run, shard)}:size";

    /// <summary>Integer: transitions ever appended (monotone).</summary>
    public static string Inserted(string run, int shard) => $"fathom:replay:{Tag(run, shard)}:inserted";

    /// <summary>Integer: transitions ever evicted (monotone); inserted = size + evicted at every moment.</summary>
    public static string Evicted(string run, int shard) => $"fathom:replay:{Tag(run, shard)}:evicted";
}
