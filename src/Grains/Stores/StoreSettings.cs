namespace Fathom.Grains.Stores;

/// <summary>
/// Where a silo's stores live. Replay shards are Redis endpoints ("host:port"), or one Redis Cluster; weights and
/// checkpoints go to <see cref="StateEndpoint"/> (by default the first replay endpoint). The password is passed
/// through to every connection and never logged. <see cref="ReplayConnections"/> is the number of StackExchange.Redis
/// connections (multiplexers) to one replay server, used in turn, see <see cref="Fathom.Replay.RedisReplayStore.ConnectShardsAsync"/>.
/// <see cref="ReplayBytesLimit"/> is the most episode data the replay servers hold without loss, when that is known
/// (the embedded store of the local mode); runs that could exceed it are refused at start.
/// </summary>
public sealed record StoreSettings(
    string[] ReplayEndpoints,
    bool ReplayIsCluster,
    string StateEndpoint,
    string? Password,
    TimeSpan OperationTimeout,
    int ReplayConnections = Replay.RedisReplayStore.DefaultConnections,
    ReplayBytesLimit? ReplayBytesLimit = null)
{
    public static readonly TimeSpan DefaultOperationTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The one rule for where weights, checkpoints and experiment records live: FATHOM_STATE_REDIS when set, else the
    /// first replay endpoint. Silos and the `fathom` command both find the state store by it; null when neither is known.
    /// </summary>
    public static string? StateEndpointFor(string? stateRedis, IReadOnlyList<string> replayEndpoints) =>
        stateRedis ?? (replayEndpoints.Count > 0 ? replayEndpoints[0] : null);

    /// <summary>StackExchange.Redis configuration for one endpoint (or a comma-separated list of cluster nodes).</summary>
    public StackExchange.Redis.ConfigurationOptions RedisOptions(string endpoints)
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(endpoints);
        options.Password = Password;
        options.AbortOnConnectFail = false;
        options.SyncTimeout = options.AsyncTimeout = (int)OperationTimeout.TotalMilliseconds;
        return options;
    }

    public override string ToString() =>
        $"replay [{string.Join(", ", ReplayEndpoints)}]{(ReplayIsCluster ? " (cluster)" : "")}, state {StateEndpoint}, password {(Password is null ? "none" : "set")}";
}

/// <summary>
/// A bound on the bytes one embedded store holds without loss and the setting it comes from, for the error that names
/// it; <see cref="StoreBytes"/> is the store's whole memory, to say how much a refused run would need.
/// </summary>
public sealed record ReplayBytesLimit(long Bytes, string Setting, long? StoreBytes = null);
