using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Fathom.Grains.Tests.Infrastructure;

/// <summary>
/// A redis-server child process on a free loopback port, started and stopped by its owner (tests, benchmarks).
/// No persistence; its files live in a private temporary directory. Never touches a server it did not start.
/// Also linked into bench/Fathom.Bench, so it depends on nothing but the BCL.
/// </summary>
public sealed class LocalRedisServer : IDisposable
{
    private string[] _extraArgs;
    private Process? _process;

    private LocalRedisServer(int port, string? password, string[] extraArgs)
    {
        Port = port;
        Password = password;
        _extraArgs = extraArgs;
        Directory = Path.Combine(Path.GetTempPath(), $"fathom-redis-{port}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(Directory);
    }

    public int Port { get; }
    public string? Password { get; }
    public string Directory { get; }
    public string EndPoint => $"127.0.0.1:{Port}";
    public bool IsRunning => _process is { HasExited: false };

    /// <param name="password">requirepass, or null for none.</param>
    /// <param name="cluster">Cluster-enabled node (its bus port, Port+10000, is checked free too).</param>
    public static LocalRedisServer Start(string? password = null, bool cluster = false)
    {
        var extra = cluster ? new[] { "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000" } : [];
        var server = new LocalRedisServer(FreePort(cluster), password, extra);
        server.Restart();
        return server;
    }

    /// <summary>A redis-server that speaks only TLS on <see cref="Port"/>, with this certificate and key (PEM); clients need no certificate.</summary>
    public static LocalRedisServer StartTls(string certificatePem, string privateKeyPem, string? password = null)
    {
        var server = new LocalRedisServer(FreePort(), password, []);
        string certificate = Path.Combine(server.Directory, "server.crt"), key = Path.Combine(server.Directory, "server.key");
        File.WriteAllText(certificate, certificatePem);
        File.WriteAllText(key, privateKeyPem);
        // The later --port 0 closes the plain port that Restart opens.
        server._extraArgs = ["--port", "0", "--tls-port", server.Port.ToString(), "--tls-cert-file", certificate, "--tls-key-file", key, "--tls-auth-clients", "no"];
        server.Restart();
        return server;
    }

    /// <summary>(Re)starts the process on the same port, empty; waits until it accepts connections.</summary>
    public void Restart()
    {
        Stop();
        var args = new List<string> { "--port", Port.ToString(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", Directory, "--daemonize", "no", "--loglevel", "warning" };
        if (Password is not null) args.AddRange(["--requirepass", Password]);
        args.AddRange(_extraArgs);
        var start = new ProcessStartInfo("redis-server") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        try { _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start."); }
        catch (System.ComponentModel.Win32Exception e) { throw new InvalidOperationException("redis-server is not installed (apt-get install redis-server; .ci/run does it).", e); }
        _process.OutputDataReceived += (_, _) => { };
        _process.ErrorDataReceived += (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        WaitAccepting(TimeSpan.FromSeconds(10));
    }

    /// <summary>Kills the process (as a crash would); <see cref="Restart"/> brings it back empty.</summary>
    public void Stop()
    {
        if (_process is null) return;
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit(5000);
        }
        _process.Dispose();
        _process = null;
    }

    private void WaitAccepting(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process!.HasExited) throw new InvalidOperationException($"redis-server on port {Port} exited with code {_process.ExitCode} at start.");
            try
            {
                using var client = new TcpClient();
                client.Connect(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException) when (deadline.Elapsed < timeout)
            {
                Thread.Sleep(20);
            }
        }
    }

    /// <summary>A loopback port that is free now (and its cluster bus port, +10000, when asked).</summary>
    public static int FreePort(bool withClusterBus = false)
    {
        for (int attempt = 0; attempt < 200; attempt++)
        {
            int port = withClusterBus ? Random.Shared.Next(20000, 55000) : 0;
            try
            {
                var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                port = ((IPEndPoint)listener.LocalEndpoint).Port;
                if (withClusterBus)
                {
                    var bus = new TcpListener(IPAddress.Loopback, port + 10000);
                    bus.Start();
                    bus.Stop();
                }
                listener.Stop();
                return port;
            }
            catch (SocketException) { }
        }
        throw new InvalidOperationException("No free loopback port found.");
    }

    /// <summary>Runs redis-cli with the given arguments and returns its standard output (throws on a non-zero exit).</summary>
    public static string RedisCli(params string[] args)
    {
        var start = new ProcessStartInfo("redis-cli") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start.");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(60_000)) { process.Kill(); throw new TimeoutException("redis-cli did not finish within 60 s."); }
        if (process.ExitCode != 0) throw new InvalidOperationException($"redis-cli exited with {process.ExitCode}: {stderr.Result}");
        return stdout.Result;
    }

    public void Dispose()
    {
        Stop();
        try { System.IO.Directory.Delete(Directory, recursive: true); } catch (IOException) { }
    }
}
