using System.Text.RegularExpressions;
using Garnet;
using StackExchange.Redis;

namespace Fathom.Silo.Replay;

/// <summary>
/// The replay server of the local mode: Microsoft Garnet in this process, loopback only, Lua enabled (the replay
/// store indexes with a script) in transaction mode. Outside it Garnet runs a script's commands unlocked, and two
/// index scripts on a full shard that interleave each evict by their own stale size.
/// Talk to it with <see cref="Fathom.Replay.RedisReplayStore"/> exactly as to redis-server.
/// Episodes are string records in Garnet's in-memory log. Revivification reuses the record of an evicted episode
/// for the next one of its size, so a full store replaces in place instead of growing the log. Without a storage
/// tier Garnet drops the oldest log pages once the log outgrows its memory, live records or not; a record is only
/// reused in the mutable half of the log (<c>--mutable-percent 50</c>), so episodes stay safe while the replay holds
/// at most <see cref="SafeReplayBytes"/>, 40% of the memory (the rest is slack for log pages and small keys).
/// </summary>
public sealed class EmbeddedReplayServer : IDisposable
{
    private readonly GarnetServer _server;

    private EmbeddedReplayServer(GarnetServer server, int port)
    {
        _server = server;
        Port = port;
    }

    public int Port { get; }

    /// <summary>Connection settings for <see cref="Fathom.Replay.RedisReplayStore.ConnectShardsAsync"/>.</summary>
    public ConfigurationOptions ConfigurationOptions => new() { EndPoints = { { "127.0.0.1", Port } } };

    /// <summary>The episode bytes a server with <paramref name="memory"/> of log holds without loss (see the class summary).</summary>
    public static long SafeReplayBytes(string memory) => ParseSize(memory) / 5 * 2;

    /// <summary>Garnet's size syntax: a whole number with an optional k, m, g or t suffix (powers of 1024), b optional.</summary>
    public static long ParseSize(string memory) => TryParseSize(memory) ?? throw new ArgumentException(
        $"Memory must be a size such as 512m or 2g (a whole number, optional k/m/g/t suffix), got '{memory}'.", nameof(memory));

    /// <summary>Whether <paramref name="memory"/> is a size this server accepts (at least <see cref="MinMemory"/>).</summary>
    public static bool IsValidMemory(string memory) => TryParseSize(memory) >= MinMemory;

    private static long? TryParseSize(string? memory)
    {
        var match = Regex.Match(memory ?? "", "^([0-9]{1,12})([kmgt]?)b?$", RegexOptions.IgnoreCase);
        if (!match.Success) return null;
        int shift = match.Groups[2].Value.ToLowerInvariant() switch { "k" => 10, "m" => 20, "g" => 30, "t" => 40, _ => 0 };
        long value = long.Parse(match.Groups[1].Value);
        return value <= long.MaxValue >> shift ? value << shift : null;
    }

    /// <param name="port">Loopback port to listen on.</param>
    /// <param name="memory">Log memory of the store (Garnet size syntax, e.g. "512m"); size it for the replay capacity.</param>
    public static EmbeddedReplayServer Start(int port, string memory)
    {
        if (port is < 1 or > 65535) throw new ArgumentOutOfRangeException(nameof(port), port, "Port must be in [1, 65535].");
        if (ParseSize(memory) < MinMemory)
            throw new ArgumentOutOfRangeException(nameof(memory), memory, $"Memory must be at least {MinMemory >> 20}m (two 16 MB log pages and room for episodes).");
        var server = new GarnetServer(["--port", port.ToString(), "--bind", "127.0.0.1", "--lua", "true", "--lua-transaction-mode", "true", "--memory", memory, "--index", "16m", "--reviv", "--mutable-percent", "50"]);
        try
        {
            server.Start();
        }
        catch
        {
            server.Dispose();
            throw;
        }
        return new EmbeddedReplayServer(server, port);
    }

    /// <summary>Smallest log memory accepted.</summary>
    public const long MinMemory = 64L << 20;

    public void Dispose() => _server.Dispose();
}
