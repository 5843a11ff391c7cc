using System.Buffers;
using System.Buffers.Text;
using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using StackExchange.Redis;

namespace Fathom.Replay;

/// <summary>
/// One connection speaking RESP2 for the replay store's episode traffic. Queued commands go out in one gather write,
/// blobs straight from the caller's buffers; a bulk reply lands straight in a pooled buffer of its size.
/// StackExchange.Redis copies each value into its output pipe and each reply out of its input pipe: with those copies
/// its client spent twice redis-benchmark's CPU per byte, on cores the server shares (docs/benchmarks.md).
/// One caller at a time. Error replies throw <see cref="RedisServerException"/>; once anything throws, the connection
/// is <see cref="Broken"/> and must be disposed, since replies may be left unread.
/// </summary>
internal sealed class RespConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly Stream _stream;
    private readonly byte[] _input = new byte[64 * 1024];
    private int _inputStart, _inputEnd;
    private readonly ArrayBufferWriter<byte> _scratch = new(4096);
    /// <summary>Payloads of the queued commands, each sent where <see cref="_scratch"/> stood when it was queued.</summary>
    private readonly List<(int ScratchOffset, ReadOnlyMemory<byte> Payload)> _payloads = [];

    private RespConnection(Socket socket, Stream stream, bool synchronous)
    {
        _socket = socket;
        _stream = stream;
        Synchronous = synchronous;
    }

    public EndPoint EndPoint { get; private init; } = null!;

    /// <summary>Set once an operation failed or was cancelled; the connection is then out of step with its replies.</summary>
    public bool Broken { get; private set; }

    /// <summary>
    /// Whether this connection blocks its caller's thread in the kernel instead of awaiting: the server's reply then
    /// wakes that thread directly. Awaited socket I/O completes on the socket engine's thread and continues on a pool
    /// thread, and a caller that blocks on the task (a collector's worker thread) is woken third: on this VM's 2 cores
    /// those wake-ups made the client cost more per byte than its copies (docs/benchmarks.md). For threads of their own
    /// only (see <see cref="RespConnectionPool"/>); a pool thread must never block.
    /// </summary>
    public bool Synchronous { get; }

    /// <summary>
    /// Connects within <see cref="ConfigurationOptions.ConnectTimeout"/>, with TLS when <see cref="ConfigurationOptions.Ssl"/>
    /// is set (<see cref="ConfigurationOptions.SslClientAuthenticationOptions"/> if given, else SslHost, SslProtocols and
    /// CheckCertificateRevocation), then AUTH and SELECT as the options say. Failures are
    /// <see cref="RedisConnectionException"/> naming the endpoint, never the password.
    /// </summary>
    public static async Task<RespConnection> OpenAsync(EndPoint endpoint, ConfigurationOptions options, bool synchronous, CancellationToken cancellationToken)
    {
        if (options.Tunnel is not null)
            throw new ArgumentException("The replay store connects to its servers directly; ConfigurationOptions.Tunnel is not supported.", nameof(options));
        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        RespConnection? connection = null;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.ConnectTimeout);
            if (synchronous)
            {
                using (timeout.Token.Register(socket.Dispose)) socket.Connect(endpoint);
            }
            else
            {
                await socket.ConnectAsync(endpoint, timeout.Token);
            }
            Stream stream = new NetworkStream(socket, ownsSocket: true);
            if (options.Ssl)
            {
                var tls = new SslStream(stream, leaveInnerStreamOpen: false);
                stream = tls;
                string host = endpoint switch { DnsEndPoint dns => dns.Host, IPEndPoint ip => ip.Address.ToString(), _ => endpoint.ToString()! };
                var authentication = options.SslClientAuthenticationOptions?.Invoke(host) ?? new SslClientAuthenticationOptions
                {
                    TargetHost = options.SslHost ?? host,
                    EnabledSslProtocols = options.SslProtocols ?? System.Security.Authentication.SslProtocols.None,
                    CertificateRevocationCheckMode = options.CheckCertificateRevocation ? X509RevocationMode.Online : X509RevocationMode.NoCheck,
                };
                if (synchronous)
                {
                    using (timeout.Token.Register(socket.Dispose)) tls.AuthenticateAsClient(authentication);
                }
                else
                {
                    await tls.AuthenticateAsClientAsync(authentication, timeout.Token);
                }
            }
            connection = new RespConnection(socket, stream, synchronous) { EndPoint = endpoint };
            if (options.Password is { } password)
            {
                if (options.User is { } user) connection.Command("AUTH", user, password);
                else connection.Command("AUTH", password);
                await connection.SendAsync(timeout.Token);
                try { await connection.ReadAsync(timeout.Token); }
                catch (RedisServerException e)
                {
                    throw ConnectionError(ConnectionFailureType.AuthenticationFailure, $"Authentication to {endpoint} was refused: {e.Message}", e);
                }
            }
            if (options.DefaultDatabase is > 0 and var database)
            {
                connection.Command("SELECT", database.ToString(System.Globalization.CultureInfo.InvariantCulture));
                await connection.SendAsync(timeout.Token);
                await connection.ReadAsync(timeout.Token);
            }
            return connection;
        }
        catch (Exception e)
        {
            if (connection is not null) connection.Dispose();
            else socket.Dispose();
            if (e is RedisConnectionException) throw;
            throw ConnectionError(ConnectionFailureType.UnableToConnect,
                cancellationToken.IsCancellationRequested ? $"Connecting to {endpoint} was cancelled." : $"Could not connect to {endpoint}: {e.Message}", e);
        }
    }

    /// <summary>
    /// A client span for one round trip on this connection, with the database attributes of OpenTelemetry's semantic
    /// conventions; StackExchange.Redis's instrumentation does not see these connections.
    /// </summary>
    public Activity? StartSpan(string operation, int commands)
    {
        var span = ReplayTelemetry.Source.StartActivity(operation, ActivityKind.Client);
        if (span is null) return null;
        span.SetTag("db.system.name", "redis");
        span.SetTag("db.operation.name", operation);
        span.SetTag("db.operation.batch.size", commands);
        if (EndPoint is IPEndPoint ip) span.SetTag("server.address", ip.Address.ToString()).SetTag("server.port", ip.Port);
        else if (EndPoint is DnsEndPoint dns) span.SetTag("server.address", dns.Host).SetTag("server.port", dns.Port);
        return span;
    }

    /// <summary>Queues a command of text arguments (keys, numbers, names).</summary>
    public void Command(params ReadOnlySpan<string> arguments)
    {
        ArrayHeader(arguments.Length);
        foreach (var argument in arguments) Argument(argument);
    }

    /// <summary>Queues a command whose argument <paramref name="payloadAt"/> is <paramref name="payload"/>, sent from the caller's memory (untouched until the send completes).</summary>
    public void Command(ReadOnlySpan<string> arguments, int payloadAt, ReadOnlyMemory<byte> payload)
    {
        ArrayHeader(arguments.Length + 1);
        for (int i = 0; i <= arguments.Length; i++)
        {
            if (i == payloadAt)
            {
                Header('$', payload.Length);
                _payloads.Add((_scratch.WrittenCount, payload));
                Crlf();
            }
            if (i < arguments.Length) Argument(arguments[i]);
        }
    }

    private void ArrayHeader(int count) => Header('*', count);

    private void Argument(string text)
    {
        int bytes = Encoding.UTF8.GetByteCount(text);
        Header('$', bytes);
        _scratch.Advance(Encoding.UTF8.GetBytes(text, _scratch.GetSpan(bytes)));
        Crlf();
    }

    private void Header(char type, int value)
    {
        var span = _scratch.GetSpan(16);
        span[0] = (byte)type;
        Utf8Formatter.TryFormat(value, span[1..], out int digits);
        _scratch.Advance(1 + digits);
        Crlf();
    }

    private void Crlf()
    {
        "\r\n"u8.CopyTo(_scratch.GetSpan(2));
        _scratch.Advance(2);
    }

    /// <summary>
    /// Sends the queued commands: one gather write on a plain socket (a write per blob part, tried with awaited writes,
    /// read slower: docs/benchmarks.md); under TLS, a write per piece.
    /// </summary>
    public async Task SendAsync(CancellationToken cancellationToken)
    {
        await using var abort = cancellationToken.Register(Abort);
        try
        {
            var scratch = _scratch.WrittenMemory;
            var pieces = new List<ReadOnlyMemory<byte>>(2 * _payloads.Count + 1);
            int from = 0;
            foreach (var (offset, payload) in _payloads)
            {
                pieces.Add(scratch[from..offset]);
                pieces.Add(payload);
                from = offset;
            }
            pieces.Add(scratch[from..]);
            if (_stream is NetworkStream)
            {
                var segments = pieces.Select(piece => MemoryMarshal.TryGetArray(piece, out var segment) ? segment : new ArraySegment<byte>(piece.ToArray())).ToList();
                int total = segments.Sum(s => s.Count), sent = Synchronous ? _socket.Send(segments) : await _socket.SendAsync(segments, SocketFlags.None);
                if (sent != total) throw new IOException($"Sent {sent} of {total} bytes to {EndPoint}.");
            }
            else
            {
                foreach (var piece in pieces)
                {
                    if (Synchronous) _stream.Write(piece.Span);
                    else await _stream.WriteAsync(piece, cancellationToken);
                }
                if (Synchronous) _stream.Flush();
                else await _stream.FlushAsync(cancellationToken);
            }
        }
        catch
        {
            Broken = true;
            throw;
        }
        finally
        {
            _payloads.Clear();
            _scratch.ResetWrittenCount();
        }
    }

    /// <summary>
    /// Reads one reply: a simple string as string, an integer as long, a bulk string as byte[], nil as null, an array as
    /// object?[]. An error reply throws <see cref="RedisServerException"/>.
    /// </summary>
    public async Task<object?> ReadAsync(CancellationToken cancellationToken)
    {
        await using var abort = cancellationToken.Register(Abort);
        try
        {
            return await ReadValueAsync(cancellationToken);
        }
        catch
        {
            Broken = true;
            throw;
        }
    }

    /// <summary>Reads one bulk string reply into a pooled buffer of its length (null for nil); dispose it to return the buffer.</summary>
    public async Task<IMemoryOwner<byte>?> ReadBlobAsync(CancellationToken cancellationToken)
    {
        await using var abort = cancellationToken.Register(Abort);
        try
        {
            var (type, value, _) = await ReadHeaderAsync(cancellationToken);
            if (type != '$') throw ServerError($"Expected a bulk string from {EndPoint}, got a reply of type '{type}'.");
            if (value < 0) return null;
            var blob = new PooledBlob((int)value);
            try
            {
                await ReadExactlyAsync(blob.Memory, cancellationToken);
                await SkipCrlfAsync(cancellationToken);
                return blob;
            }
            catch
            {
                blob.Dispose();
                throw;
            }
        }
        catch
        {
            Broken = true;
            throw;
        }
    }

    private async Task<object?> ReadValueAsync(CancellationToken cancellationToken)
    {
        var (type, value, text) = await ReadHeaderAsync(cancellationToken);
        switch (type)
        {
            case ':': return value;
            case '+': return text;
            case '$':
                if (value < 0) return null;
                var bytes = new byte[value];
                await ReadExactlyAsync(bytes, cancellationToken);
                await SkipCrlfAsync(cancellationToken);
                return bytes;
            case '*':
                if (value < 0) return null;
                var items = new object?[value];
                for (int i = 0; i < items.Length; i++) items[i] = await ReadValueAsync(cancellationToken);
                return items;
            default:
                throw ServerError($"Unexpected reply type '{type}' from {EndPoint}.");
        }
    }

    /// <summary>
    /// Reads a reply's first line: its type and its number (length, count or integer), or its text for '+'. An error
    /// line ('-') throws, and so does a bulk length no array can hold.
    /// </summary>
    private async Task<(char Type, long Value, string? Text)> ReadHeaderAsync(CancellationToken cancellationToken)
    {
        int end;
        while ((end = _input.AsSpan(_inputStart, _inputEnd - _inputStart).IndexOf("\r\n"u8)) < 0)
            await FillAsync(cancellationToken);
        var line = _input.AsSpan(_inputStart, end);
        _inputStart += end + 2;
        if (line.IsEmpty) throw ServerError($"Empty reply line from {EndPoint}.");
        char type = (char)line[0];
        var rest = line[1..];
        switch (type)
        {
            case '-':
                throw ServerError(Encoding.UTF8.GetString(rest));
            case '+':
                return (type, 0, Encoding.UTF8.GetString(rest));
            default:
                if (!Utf8Parser.TryParse(rest, out long value, out int used) || used != rest.Length)
                    throw ServerError($"Malformed reply line from {EndPoint}: {Encoding.UTF8.GetString(line)}");
                if (type == '$' && value > Array.MaxLength) throw ServerError($"A reply from {EndPoint} declares {value} bytes, more than an array holds.");
                return (type, value, null);
        }
    }

    /// <summary>Copies what is buffered, then reads the rest straight into <paramref name="destination"/>.</summary>
    private async Task ReadExactlyAsync(Memory<byte> destination, CancellationToken cancellationToken)
    {
        int buffered = Math.Min(destination.Length, _inputEnd - _inputStart);
        _input.AsMemory(_inputStart, buffered).CopyTo(destination);
        _inputStart += buffered;
        if (buffered == destination.Length) return;
        if (Synchronous) _stream.ReadExactly(destination.Span[buffered..]);
        else await _stream.ReadExactlyAsync(destination[buffered..], cancellationToken);
    }

    private async Task SkipCrlfAsync(CancellationToken cancellationToken)
    {
        while (_inputEnd - _inputStart < 2) await FillAsync(cancellationToken);
        _inputStart += 2;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_inputStart > 0)
        {
            _input.AsSpan(_inputStart, _inputEnd - _inputStart).CopyTo(_input);
            (_inputEnd, _inputStart) = (_inputEnd - _inputStart, 0);
        }
        if (_inputEnd == _input.Length) throw ServerError($"A reply line from {EndPoint} exceeds {_input.Length} bytes.");
        int read = Synchronous ? _stream.Read(_input, _inputEnd, _input.Length - _inputEnd) : await _stream.ReadAsync(_input.AsMemory(_inputEnd), cancellationToken);
        if (read == 0) throw new IOException($"{EndPoint} closed the connection.");
        _inputEnd += read;
    }

    /// <summary>Closes the socket, which fails any pending send or receive: how a timeout or cancellation stops an operation.</summary>
    private void Abort()
    {
        Broken = true;
        _socket.Dispose();
    }

    public void Dispose()
    {
        Broken = true;
        _stream.Dispose();
    }

    /// <summary>An error reply, or a reply this client cannot read; IsUnavailable-style checks go by the message.</summary>
    private static RedisServerException ServerError(string message) => new(RedisErrorKind.Unknown, CommandFlags.None, message);

    /// <summary>The connection to a server failed or was lost (retryable for the store).</summary>
    public static RedisConnectionException ConnectionError(ConnectionFailureType type, string message, Exception inner) =>
        new(type, CommandFlags.None, message, inner, CommandStatus.Unknown);

    /// <summary>A reply's bytes in a buffer rented from the shared pool, returned on dispose.</summary>
    private sealed class PooledBlob(int length) : IMemoryOwner<byte>
    {
        private byte[]? _buffer = ArrayPool<byte>.Shared.Rent(length);

        public Memory<byte> Memory => (_buffer ?? throw new ObjectDisposedException(nameof(PooledBlob))).AsMemory(0, length);

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _buffer, null) is { } buffer) ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
