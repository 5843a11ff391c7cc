using System.Net;
using System.Net.Sockets;
using Garnet;

namespace Fathom.Silo;

/// <summary>
/// The local mode's replay and state server: Garnet (Redis-compatible) in this process on a loopback port, so
/// nothing has to be installed. Lua is on (the Orleans Redis storage and the replay store use scripts).
/// </summary>
public sealed class EmbeddedGarnet : IDisposable
{
    private readonly GarnetServer? _server;

    /// <summary>"127.0.0.1:port", for Redis clients.</summary>
    public string Endpoint => $"127.0.0.1:{Port}";

    public int Port { get; }

    /// <summary>True when another process (or silo) on this machine already serves the configured port and this one reuses it.</summary>
    public bool IsShared => _server is null;

    private EmbeddedGarnet(int port, GarnetServer? server)
    {
        Port = port;
        _server = server;
    }

    /// <summary>Starts Garnet on <paramref name="port"/> (0 = a free port); if a configured port already has a server, it is shared.</summary>
    public static EmbeddedGarnet Start(int port, string memory)
    {
        if (port != 0 && IsListening(port)) return new EmbeddedGarnet(port, null);
        if (port == 0) port = FreeLoopbackPort();
        var server = new GarnetServer(["--port", port.ToString(), "--bind", "127.0.0.1", "--lua", "true", "--memory", memory, "--index", "64m"]);
        server.Start();
        return new EmbeddedGarnet(port, server);
    }

    public static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsListening(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public void Dispose() => _server?.Dispose();
}
