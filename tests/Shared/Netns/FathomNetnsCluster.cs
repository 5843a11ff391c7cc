using System.Globalization;

namespace Fathom.Tests.Netns;

/// <summary>
/// A Fathom cluster in redis mode on a <see cref="NetnsCluster"/>, every part on its own host: host 1 runs the
/// `fathom` client and redis-cli, host 2 the membership Redis, host 3 the state Redis (weights, checkpoints, grain
/// state), then one host per replay shard, then the silos. Every Redis keeps an append-only file (fsync on every
/// write), so a killed Redis restarts with what it acknowledged, and is held to <see cref="RedisCpu"/> cores. Silos are
/// Fathom.Silo.dll processes with a role and a CPU share each; the client host has no limit (it is not part of the cluster).
/// </summary>
public sealed class FathomNetnsCluster : IDisposable
{
    public const int ClientHost = 1, MembershipHost = 2, StateHost = 3, RedisPort = 6379;

    /// <summary>The CPU share of each Redis server, in cores (single-threaded, so one core is all it can use).</summary>
    public const double RedisCpu = 1.0;
    private const int FirstShardHost = 4;
    private readonly NetnsCluster _hosts;
    private readonly string _folder;
    private readonly string _binaries;
    private readonly Dictionary<int, HostProcess> _redis = [];
    private readonly Dictionary<int, (HostProcess Process, string Role, double Cpu)> _silos = [];

    /// <param name="shards">Replay shards, each a Redis on its own host.</param>
    /// <param name="siloHosts">Hosts kept for silos (started with <see cref="StartSilo"/>).</param>
    /// <param name="binaries">The folder holding Fathom.Silo.dll and fathom.dll (default: beside the running assembly).</param>
    public FathomNetnsCluster(int shards, int siloHosts, string? binaries = null)
    {
        if (shards < 1) throw new ArgumentOutOfRangeException(nameof(shards), shards, "shards must be at least 1");
        if (siloHosts < 1) throw new ArgumentOutOfRangeException(nameof(siloHosts), siloHosts, "siloHosts must be at least 1");
        Shards = shards;
        SiloHosts = siloHosts;
        _binaries = binaries ?? AppContext.BaseDirectory;
        _folder = Directory.CreateTempSubdirectory("fathom-netns-").FullName;
        _hosts = NetnsCluster.Create(FirstShardHost + shards + siloHosts - 1);
        try
        {
            StartRedis(MembershipHost);
            StartRedis(StateHost);
            for (int s = 0; s < shards; s++) StartRedis(ShardHost(s));
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    public NetnsCluster Hosts => _hosts;
    public int Shards { get; }
    public int SiloHosts { get; }

    /// <summary>host:port of the membership Redis, what `fathom --cluster` takes.</summary>
    public static string Membership => Endpoint(MembershipHost);
    public static string State => Endpoint(StateHost);
    public static string Endpoint(int host) => $"{NetnsCluster.Address(host)}:{RedisPort}";
    public static int ShardHost(int shard) => FirstShardHost + shard;
    public string ReplayEndpoints => string.Join(',', Enumerable.Range(0, Shards).Select(s => Endpoint(ShardHost(s))));

    /// <summary>The host of silo <paramref name="index"/> (0-based).</summary>
    public int SiloHost(int index)
    {
        if (index < 0 || index >= SiloHosts) throw new ArgumentOutOfRangeException(nameof(index), index, $"silo index must be in [0, {SiloHosts})");
        return FirstShardHost + Shards + index;
    }

    /// <summary>The Redis process on <paramref name="host"/>.</summary>
    public HostProcess Redis(int host) => _redis[host];

    /// <summary>The silo process with index <paramref name="index"/>.</summary>
    public HostProcess Silo(int index) => _silos[SiloHost(index)].Process;

    /// <summary>The silos started so far (index, role, process).</summary>
    public IEnumerable<(int Index, string Role, HostProcess Process)> Silos =>
        _silos.Select(s => (s.Key - FirstShardHost - Shards, s.Value.Role, s.Value.Process)).OrderBy(s => s.Item1);

    /// <summary>Every process the cluster runs now (Redis servers and silos), for memory sampling.</summary>
    public IEnumerable<HostProcess> Processes => _redis.Values.Concat(_silos.Values.Select(s => s.Process)).Where(p => !p.HasExited);

    /// <summary>Starts (or restarts, from its append-only file) the Redis of <paramref name="host"/>.</summary>
    public HostProcess StartRedis(int host)
    {
        if (_redis.TryGetValue(host, out var old) && !old.HasExited)
            throw new InvalidOperationException($"the Redis on host {host} is still running");
        old?.Dispose();
        var dir = Directory.CreateDirectory(Path.Combine(_folder, $"redis-{host}")).FullName;
        var redis = _hosts.Start($"redis on host {host}", host, RedisCpu, null, "redis-server",
            "--bind", NetnsCluster.Address(host), "--port", $"{RedisPort}", "--protected-mode", "no", "--dir", dir,
            "--save", "", "--appendonly", "yes", "--appendfsync", "always");
        _redis[host] = redis;
        WaitForRedis(host);
        return redis;
    }

    private void WaitForRedis(int host)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var (code, output) = RedisCliAsync(host, "PING").GetAwaiter().GetResult();
            if (code == 0 && output.Contains("PONG", StringComparison.Ordinal)) return;
            if (_redis[host].HasExited) throw new InvalidOperationException($"redis on host {host} exited: {_redis[host].Tail()}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"redis on host {host} did not answer PING: {output}");
            Thread.Sleep(100);
        }
    }

    /// <summary>Starts silo <paramref name="index"/> with a role (collector, learner, any), held to <paramref name="cpu"/> cores.</summary>
    public HostProcess StartSilo(int index, string role, double cpu, IReadOnlyDictionary<string, string>? extra = null)
    {
        var host = SiloHost(index);
        if (_silos.TryGetValue(host, out var old) && !old.Process.HasExited)
            throw new InvalidOperationException($"silo {index} is still running");
        old.Process?.Dispose();
        var environment = new Dictionary<string, string>
        {
            ["FATHOM_MODE"] = "redis",
            ["FATHOM_ROLE"] = role,
            ["POD_IP"] = NetnsCluster.Address(host),
            ["FATHOM_MEMBERSHIP_REDIS"] = Membership,
            ["FATHOM_STATE_REDIS"] = State,
            ["FATHOM_REPLAY_ENDPOINTS"] = ReplayEndpoints,
            ["FATHOM_SILO_PORT"] = "11111",
            ["FATHOM_GATEWAY_PORT"] = "30000",
            ["FATHOM_HEALTH_PORT"] = "8080",
            ["FATHOM_PROMETHEUS_PORT"] = "0",
            ["FATHOM_SHUTDOWN_SECONDS"] = "10",
            ["FATHOM_STORE_TIMEOUT_SECONDS"] = "10",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>()) environment[key] = value;
        var silo = _hosts.Start($"{role} silo {index}", host, cpu, environment, "dotnet", Path.Combine(_binaries, "Fathom.Silo.dll"));
        _silos[host] = (silo, role, cpu);
        return silo;
    }

    /// <summary>Waits until silo <paramref name="index"/> reports ready on its health endpoint (it has joined the cluster).</summary>
    public async Task WaitForSiloAsync(int index, TimeSpan timeout)
    {
        var host = SiloHost(index);
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var silo = _silos[host].Process;
            if (silo.HasExited) throw new InvalidOperationException($"{silo.Name} exited with {silo.ExitCode}:\n{silo.Tail()}");
            var (code, _) = await _hosts.ExecAsync(ClientHost, TimeSpan.FromSeconds(10), "curl", "-sf", "-m", "2", $"http://{NetnsCluster.Address(host)}:8080/healthz/ready");
            if (code == 0) return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{silo.Name} was not ready within {timeout}:\n{silo.Tail()}");
            await Task.Delay(500);
        }
    }

    /// <summary>Runs `fathom ARGS --cluster MEMBERSHIP` on the client host to its end.</summary>
    public async Task<(int ExitCode, string Output)> FathomAsync(TimeSpan timeout, params string[] args) =>
        await _hosts.ExecAsync(ClientHost, timeout, "dotnet", [Path.Combine(_binaries, "fathom.dll"), .. args, "--cluster", Membership]);

    /// <summary>Starts `fathom ARGS --cluster MEMBERSHIP` on the client host in <paramref name="workingDirectory"/> and returns at once.</summary>
    public HostProcess StartFathom(string workingDirectory, params string[] args) =>
        _hosts.Start("fathom", ClientHost, 0, null, keepAllOutput: true, "bash",
            ["-c", "cd \"$0\" && exec dotnet \"$@\"", workingDirectory, Path.Combine(_binaries, "fathom.dll"), .. args, "--cluster", Membership]);

    /// <summary>redis-cli against the Redis on <paramref name="host"/>, run on the client host (raw output, one value a line).</summary>
    public Task<(int ExitCode, string Output)> RedisCliAsync(int host, params string[] args) =>
        _hosts.ExecAsync(ClientHost, TimeSpan.FromSeconds(30), "redis-cli", ["-h", NetnsCluster.Address(host), "-p", $"{RedisPort}", "--raw", .. args]);

    /// <summary>An integer reply of redis-cli (0 for a missing key).</summary>
    public async Task<long> RedisLongAsync(int host, params string[] args)
    {
        var (code, output) = await RedisCliAsync(host, args);
        if (code != 0) throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} on host {host} exited {code}: {output}");
        var text = output.Trim();
        return text.Length == 0 ? 0 : long.Parse(text, CultureInfo.InvariantCulture);
    }

    /// <summary>The lines of a redis-cli reply (e.g. LRANGE).</summary>
    public async Task<string[]> RedisLinesAsync(int host, params string[] args)
    {
        var (code, output) = await RedisCliAsync(host, args);
        if (code != 0) throw new InvalidOperationException($"redis-cli {string.Join(' ', args)} on host {host} exited {code}: {output}");
        return output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    public void Dispose()
    {
        _hosts.Dispose();
        try { Directory.Delete(_folder, recursive: true); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }
}
