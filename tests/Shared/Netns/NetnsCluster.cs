using System.Diagnostics;

namespace Fathom.Tests.Netns;

/// <summary>
/// Hosts on this machine, each a network namespace with its own address on a private bridge, driven through
/// <c>deploy/netns/cluster.sh</c>: processes start on a host held to a CPU share, links go down and up, and everything
/// is removed on dispose, at process exit, and by the next cluster if a test host was killed (the script's gc).
/// Needs root and iproute2.
/// </summary>
public sealed class NetnsCluster : IDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(60);
    private static int _clusters;
    private readonly List<HostProcess> _processes = [];
    private bool _disposed;

    private NetnsCluster(string id, int hosts)
    {
        Id = id;
        Hosts = hosts;
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    /// <summary>The cluster's id (its namespaces are fathom-ID-1 .. fathom-ID-N).</summary>
    public string Id { get; }

    public int Hosts { get; }

    /// <summary>The harness script, found from the repository that holds the running assembly.</summary>
    public static string Script { get; } = FindScript();

    /// <summary>Why no cluster can be made here (not root, no iproute2, no script), or null when one can.</summary>
    public static string? Unavailable()
    {
        if (!OperatingSystem.IsLinux()) return "network namespaces need Linux";
        if (Environment.UserName != "root" && geteuid() != 0) return "the cluster harness needs root (ip netns add)";
        if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip")) return "the cluster harness needs iproute2 (apt-get install iproute2)";
        return File.Exists(Script) ? null : $"the harness script is missing: {Script}";
    }

    /// <summary>Makes <paramref name="hosts"/> hosts; first removes clusters left by killed test hosts.</summary>
    public static NetnsCluster Create(int hosts)
    {
        if (Unavailable() is { } why) throw new InvalidOperationException(why);
        RunScript("gc");
        var id = $"{Environment.ProcessId % 100000:x}{Interlocked.Increment(ref _clusters):x}";
        var cluster = new NetnsCluster(id, hosts);
        RunScript("up", id, $"{hosts}", $"{Environment.ProcessId}");
        return cluster;
    }

    /// <summary>The address of host <paramref name="host"/> (1-based).</summary>
    public static string Address(int host) => $"10.77.0.{host}";

    /// <summary>
    /// Starts <paramref name="file"/> on <paramref name="host"/>, held to <paramref name="cpu"/> cores (0: no limit),
    /// with <paramref name="environment"/> added to this process's.
    /// </summary>
    public HostProcess Start(string name, int host, double cpu, IReadOnlyDictionary<string, string>? environment, string file, params string[] args) =>
        Start(name, host, cpu, environment, keepAllOutput: false, file, args);

    public HostProcess Start(string name, int host, double cpu, IReadOnlyDictionary<string, string>? environment, bool keepAllOutput, string file, params string[] args)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        CheckHost(host);
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { Script, "run", Id, $"{host}", cpu.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture), "--", file }.Concat(args))
            start.ArgumentList.Add(a);
        foreach (var (key, value) in environment ?? new Dictionary<string, string>()) start.Environment[key] = value;
        var process = new HostProcess(name, host, start, keepAllOutput);
        lock (_processes) _processes.Add(process);
        return process;
    }

    /// <summary>Runs a command on a host to its end and returns its exit code and output.</summary>
    public async Task<(int ExitCode, string Output)> ExecAsync(int host, TimeSpan timeout, string file, params string[] args)
    {
        using var process = Start($"{file} on host {host}", host, 0, null, keepAllOutput: true, file, args);
        if (!await process.WaitForExitAsync(timeout))
        {
            process.Kill();
            throw new TimeoutException($"{file} {string.Join(' ', args)} on host {host} did not end within {timeout}:\n{process.Output}");
        }
        lock (_processes) _processes.Remove(process);
        return (process.ExitCode, process.Output);
    }

    /// <summary>Cuts (false) or restores (true) the only link of <paramref name="host"/>.</summary>
    public void SetLink(int host, bool up)
    {
        CheckHost(host);
        RunScript("link", Id, $"{host}", up ? "up" : "down");
    }

    private void CheckHost(int host)
    {
        if (host < 1 || host > Hosts) throw new ArgumentOutOfRangeException(nameof(host), host, $"host must be in [1, {Hosts}]");
    }

    private static void RunScript(params string[] args)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Script);
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(ScriptTimeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"cluster.sh {string.Join(' ', args)} did not end within {ScriptTimeout}");
        }
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"cluster.sh {string.Join(' ', args)} exited {process.ExitCode}: {stderr.Result}{stdout.Result}");
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "deploy", "netns", "cluster.sh");
            if (File.Exists(candidate)) return candidate;
        }
        return Path.Combine(Directory.GetCurrentDirectory(), "deploy", "netns", "cluster.sh");
    }

    private void OnExit(object? sender, EventArgs e) => Dispose();

    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
        lock (_processes)
        {
            foreach (var process in _processes) process.Dispose();
            _processes.Clear();
        }
        RunScript("down", Id);
    }

    [System.Runtime.InteropServices.DllImport("libc")]
    private static extern uint geteuid();
}
