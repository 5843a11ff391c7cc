using Fathom.Grains.Stores;

namespace Fathom.Client.Hosting;

/// <summary>
/// Where `fathom` connects, from its flags over the environment a silo reads (so that inside a pod it joins the
/// pod's cluster with no flags) over the local default: FATHOM_MODE, FATHOM_MEMBERSHIP_REDIS, FATHOM_REPLAY_ENDPOINTS,
/// FATHOM_STATE_REDIS, FATHOM_REDIS_PASSWORD, ORLEANS_SERVICE_ID, ORLEANS_CLUSTER_ID. <see cref="Membership"/> null
/// means local (a co-hosted silo); <see cref="State"/> null means "ask the cluster" (its silos know their stores).
/// </summary>
public sealed record ClusterTarget(string? Membership, string? State, string? Password, string ServiceId, string ClusterId)
{
    public const string DefaultId = "fathom";

    public bool IsLocal => Membership is null;

    /// <summary>The local mode: a silo co-hosted in this process.</summary>
    public static readonly ClusterTarget Local = new(null, null, null, DefaultId, DefaultId);

    /// <summary>Flags (<paramref name="cluster"/>, <paramref name="state"/>) over <paramref name="environment"/> over defaults; a bad setting throws naming it.</summary>
    public static ClusterTarget Resolve(string? cluster, string? state, Func<string, string?> environment)
    {
        string? Text(string key) => environment(key) is { } value && !string.IsNullOrWhiteSpace(value) ? value.Trim() : null;
        var mode = (Text("FATHOM_MODE") ?? "local").ToLowerInvariant();
        if (mode is not ("local" or "redis" or "kubernetes"))
            throw new ArgumentException($"FATHOM_MODE must be one of local, redis, kubernetes (got '{Text("FATHOM_MODE")}')", "FATHOM_MODE");
        var membership = Blank(cluster) ?? (mode == "local" ? null
            : Text("FATHOM_MEMBERSHIP_REDIS") ?? throw new ArgumentException(
                $"FATHOM_MEMBERSHIP_REDIS is required with FATHOM_MODE={mode} (the cluster's membership Redis, e.g. redis-membership:6379), or pass --cluster", "FATHOM_MEMBERSHIP_REDIS"));
        if (membership is null) return Local;
        var replay = (Text("FATHOM_REPLAY_ENDPOINTS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return new ClusterTarget(membership, Blank(state) ?? StoreSettings.StateEndpointFor(Text("FATHOM_STATE_REDIS"), replay), Text("FATHOM_REDIS_PASSWORD"),
            Text("ORLEANS_SERVICE_ID") ?? DefaultId, Text("ORLEANS_CLUSTER_ID") ?? DefaultId);
    }

    /// <summary>From this process's flags and environment.</summary>
    public static ClusterTarget FromProcess(string? cluster, string? state) => Resolve(cluster, state, Environment.GetEnvironmentVariable);

    /// <summary>StackExchange.Redis options for one of the cluster's Redis servers, with the password when the string has none.</summary>
    public StackExchange.Redis.ConfigurationOptions Redis(string connection)
    {
        var options = StackExchange.Redis.ConfigurationOptions.Parse(connection);
        options.Password ??= Password;
        options.AbortOnConnectFail = false;
        return options;
    }

    private static string? Blank(string? flag) => string.IsNullOrWhiteSpace(flag) ? null : flag.Trim();
}
