using System.Globalization;
using Fathom.Grains.Placement;
using Fathom.Learner;
using Microsoft.Extensions.Configuration;

namespace Fathom.Silo;

/// <summary>
/// A silo's settings, read from configuration (environment variables or command-line <c>--NAME=value</c>) by
/// <see cref="FromConfiguration"/>. Every setting has a default that suits the local mode.
/// </summary>
public sealed record FathomSiloOptions
{
    /// <summary>FATHOM_MODE: local, redis or kubernetes.</summary>
    public SiloMode Mode { get; init; } = SiloMode.Local;

    /// <summary>FATHOM_ROLE: which workers this silo hosts (collector, learner or any).</summary>
    public SiloRole Role { get; init; } = SiloRole.Any;

    /// <summary>ORLEANS_SERVICE_ID / ORLEANS_CLUSTER_ID.</summary>
    public string ServiceId { get; init; } = "fathom";
    public string ClusterId { get; init; } = "fathom";

    /// <summary>POD_NAME (kubernetes) or a generated name.</summary>
    public string? SiloName { get; init; }

    /// <summary>POD_IP: the address other silos reach this one at (required in kubernetes mode; optional in redis mode).</summary>
    public string? AdvertisedIp { get; init; }

    /// <summary>FATHOM_SILO_PORT / FATHOM_GATEWAY_PORT (11111 / 30000).</summary>
    public int SiloPort { get; init; } = 11111;
    public int GatewayPort { get; init; } = 30000;

    /// <summary>FATHOM_PRIMARY_SILO_PORT: in local mode, the silo port of the first silo (the membership seed).</summary>
    public int PrimarySiloPort { get; init; } = 11111;

    /// <summary>FATHOM_MEMBERSHIP_REDIS: Redis connection string of the membership table (redis and kubernetes modes).</summary>
    public string? MembershipRedis { get; init; }

    /// <summary>FATHOM_REPLAY_ENDPOINTS: comma-separated host:port, one replay shard each (redis and kubernetes modes).</summary>
    public string[] ReplayEndpoints { get; init; } = [];

    /// <summary>FATHOM_REPLAY_CLUSTER: true when the replay endpoints are the nodes of one Redis Cluster.</summary>
    public bool ReplayIsCluster { get; init; }

    /// <summary>FATHOM_STATE_REDIS: where weights, checkpoints and grain state go (default: the first replay endpoint).</summary>
    public string? StateRedis { get; init; }

    /// <summary>FATHOM_REDIS_PASSWORD: passed to every Redis connection, never logged.</summary>
    public string? RedisPassword { get; init; }

    /// <summary>FATHOM_LOCAL_STORE_PORT: loopback port of the embedded Garnet server in local mode (0 = a free port).</summary>
    public int LocalStorePort { get; init; }

    /// <summary>FATHOM_LOCAL_STORE_MEMORY: Garnet log memory (e.g. 2g); runs whose replay, weights and checkpoints could exceed 40% of it are refused.</summary>
    public string LocalStoreMemory { get; init; } = "2g";

    /// <summary>FATHOM_HEALTH_PORT: /healthz/live and /healthz/ready (0 = a free loopback port, e.g. for co-hosted or test silos).</summary>
    public int HealthPort { get; init; } = 8080;

    /// <summary>FATHOM_PROMETHEUS_PORT: Prometheus scrape endpoint (0 disables it).</summary>
    public int PrometheusPort { get; init; } = 9464;

    /// <summary>
    /// FATHOM_PROMETHEUS_HOST: the address the scrape endpoint listens on (an IP or host name; the listener takes no
    /// wildcard). Default: POD_IP in kubernetes mode (what Prometheus scrapes), loopback otherwise.
    /// </summary>
    public string PrometheusHost { get; init; } = "127.0.0.1";

    /// <summary>FATHOM_TORCH_THREADS: intra-op threads per network thread (1 keeps collectors and learners from fighting over cores).</summary>
    public int TorchThreads { get; init; } = 1;

    /// <summary>
    /// FATHOM_DEVICE: device of the workers whose spec leaves <c>device</c> out: auto (CUDA when libtorch reports it,
    /// else CPU), cpu, cuda or cuda:N.
    /// </summary>
    public string Device { get; init; } = TorchDevices.Auto;

    /// <summary>FATHOM_STORE_TIMEOUT_SECONDS: timeout of every store operation.</summary>
    public int StoreTimeoutSeconds { get; init; } = 30;

    /// <summary>FATHOM_SHUTDOWN_SECONDS: how long a graceful shutdown may take (workers stop and flush).</summary>
    public int ShutdownSeconds { get; init; } = 120;

    public static FathomSiloOptions FromConfiguration(IConfiguration configuration)
    {
        var defaults = new FathomSiloOptions();
        string? Text(string key) => string.IsNullOrWhiteSpace(configuration[key]) ? null : configuration[key]!.Trim();
        int Port(string key, int fallback)
        {
            var text = Text(key);
            if (text is null) return fallback;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value is < 0 or > 65535)
                throw new ArgumentException($"{key} must be an integer in [0, 65535] (got '{text}')", key);
            return value;
        }
        int Positive(string key, int fallback)
        {
            var text = Text(key);
            if (text is null) return fallback;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < 1)
                throw new ArgumentException($"{key} must be a positive integer (got '{text}')", key);
            return value;
        }

        var modeText = Text("FATHOM_MODE") ?? "local";
        if (!Enum.TryParse<SiloMode>(modeText, ignoreCase: true, out var mode) || int.TryParse(modeText, out _))
            throw new ArgumentException($"FATHOM_MODE must be one of local, redis, kubernetes (got '{modeText}')", "FATHOM_MODE");

        var roleText = Text("FATHOM_ROLE");
        var role = roleText is null ? defaults.Role : SiloRoles.Parse(roleText)
            ?? throw new ArgumentException($"FATHOM_ROLE must be one of {SiloRoles.Allowed} (got '{roleText}')", "FATHOM_ROLE");

        var clusterText = Text("FATHOM_REPLAY_CLUSTER");
        if (clusterText is not null && !bool.TryParse(clusterText, out _))
            throw new ArgumentException($"FATHOM_REPLAY_CLUSTER must be true or false (got '{clusterText}')", "FATHOM_REPLAY_CLUSTER");

        var options = new FathomSiloOptions
        {
            Mode = mode,
            Role = role,
            ServiceId = Text("ORLEANS_SERVICE_ID") ?? defaults.ServiceId,
            ClusterId = Text("ORLEANS_CLUSTER_ID") ?? defaults.ClusterId,
            SiloName = Text("POD_NAME"),
            AdvertisedIp = Text("POD_IP"),
            SiloPort = Port("FATHOM_SILO_PORT", defaults.SiloPort),
            GatewayPort = Port("FATHOM_GATEWAY_PORT", defaults.GatewayPort),
            PrimarySiloPort = Port("FATHOM_PRIMARY_SILO_PORT", defaults.PrimarySiloPort),
            MembershipRedis = Text("FATHOM_MEMBERSHIP_REDIS"),
            ReplayEndpoints = (Text("FATHOM_REPLAY_ENDPOINTS") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
            ReplayIsCluster = clusterText is not null && bool.Parse(clusterText),
            StateRedis = Text("FATHOM_STATE_REDIS"),
            RedisPassword = Text("FATHOM_REDIS_PASSWORD"),
            LocalStorePort = Port("FATHOM_LOCAL_STORE_PORT", defaults.LocalStorePort),
            LocalStoreMemory = Text("FATHOM_LOCAL_STORE_MEMORY") ?? defaults.LocalStoreMemory,
            HealthPort = Port("FATHOM_HEALTH_PORT", defaults.HealthPort),
            PrometheusPort = Port("FATHOM_PROMETHEUS_PORT", defaults.PrometheusPort),
            PrometheusHost = Text("FATHOM_PROMETHEUS_HOST") ?? (mode == SiloMode.Kubernetes ? Text("POD_IP") : null) ?? defaults.PrometheusHost,
            TorchThreads = Positive("FATHOM_TORCH_THREADS", defaults.TorchThreads),
            Device = Text("FATHOM_DEVICE") ?? defaults.Device,
            StoreTimeoutSeconds = Positive("FATHOM_STORE_TIMEOUT_SECONDS", defaults.StoreTimeoutSeconds),
            ShutdownSeconds = Positive("FATHOM_SHUTDOWN_SECONDS", defaults.ShutdownSeconds),
        };
        options.Validate();
        return options;
    }

    /// <summary>Refuses combinations that cannot work, naming the setting.</summary>
    public void Validate()
    {
        if (!TorchDevices.IsValid(Device))
            throw new ArgumentException($"FATHOM_DEVICE must be one of {TorchDevices.AllowedText} (got '{Device}')", "FATHOM_DEVICE");
        if (Mode != SiloMode.Local)
        {
            if (MembershipRedis is null)
                throw new ArgumentException($"FATHOM_MEMBERSHIP_REDIS is required in {Mode.ToString().ToLowerInvariant()} mode (a Redis connection string, e.g. redis-membership:6379)", "FATHOM_MEMBERSHIP_REDIS");
            if (ReplayEndpoints.Length == 0)
                throw new ArgumentException($"FATHOM_REPLAY_ENDPOINTS is required in {Mode.ToString().ToLowerInvariant()} mode (comma-separated host:port, one per shard)", "FATHOM_REPLAY_ENDPOINTS");
        }
        if (Mode == SiloMode.Local && !Replay.EmbeddedReplayServer.IsValidMemory(LocalStoreMemory))
            throw new ArgumentException($"FATHOM_LOCAL_STORE_MEMORY must be a size from {Replay.EmbeddedReplayServer.MinMemory >> 20}m up, such as 512m or 2g (got '{LocalStoreMemory}')", "FATHOM_LOCAL_STORE_MEMORY");
        if (Mode == SiloMode.Kubernetes)
        {
            if (SiloName is null) throw new ArgumentException("POD_NAME is required in kubernetes mode (set it from metadata.name)", "POD_NAME");
            if (AdvertisedIp is null || !System.Net.IPAddress.TryParse(AdvertisedIp, out _))
                throw new ArgumentException($"POD_IP must be an IP address in kubernetes mode (set it from status.podIP; got '{AdvertisedIp}')", "POD_IP");
        }
    }
}
