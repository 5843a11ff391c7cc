using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Fathom.Client.Tests;

/// <summary>
/// The real servers a cluster test starts (redis-server processes, Fathom silo processes), each on free loopback
/// ports, all killed with their children when the test ends.
/// </summary>
sealed class ServerProcesses : IDisposable
{
    readonly List<Process> _processes = [];

    /// <summary>A redis-server without persistence on a free loopback port; returns its host:port.</summary>
    public string RedisServer()
    {
        var port = FreePort();
        Start("redis-server", [], "--port", $"{port}", "--bind", "127.0.0.1", "--save", "", "--appendonly", "no");
        return $"127.0.0.1:{port}";
    }

    /// <summary>A Fathom silo process (the built Fathom.Silo.dll) with <paramref name="environment"/> and free silo and gateway ports.</summary>
    public void Silo(Dictionary<string, string> environment)
    {
        var settings = new Dictionary<string, string>
        {
            ["FATHOM_SILO_PORT"] = $"{FreePort()}",
            ["FATHOM_GATEWAY_PORT"] = $"{FreePort()}",
            ["FATHOM_HEALTH_PORT"] = "0",
            ["FATHOM_PROMETHEUS_PORT"] = "0",
            ["FATHOM_SHUTDOWN_SECONDS"] = "10",
        };
        foreach (var (key, value) in environment) settings[key] = value;
        Start("dotnet", settings, Path.Combine(AppContext.BaseDirectory, "Fathom.Silo.dll"));
    }

    /// <summary>Fails the test naming any process that has exited already.</summary>
    public void AssertAllRunning() =>
        Assert.All(_processes, p => Assert.False(p.HasExited, $"{p.StartInfo.FileName} exited with {(p.HasExited ? p.ExitCode : 0)}"));

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    void Start(string file, Dictionary<string, string> environment, params string[] args)
    {
        var info = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) info.ArgumentList.Add(a);
        foreach (var (k, v) in environment) info.Environment[k] = v;
        var process = Process.Start(info)!;
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _processes.Add(process);
    }

    public void Dispose()
    {
        foreach (var process in Enumerable.Reverse(_processes))
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
            process.WaitForExit(5000);
            process.Dispose();
        }
    }
}
