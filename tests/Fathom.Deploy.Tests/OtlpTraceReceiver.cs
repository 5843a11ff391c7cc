using System.Collections.Concurrent;
using System.Net;
using System.Text;

namespace Fathom.Deploy.Tests;

/// <summary>One received span: ids as lowercase hex (parent empty for a root span).</summary>
public sealed record ReceivedSpan(string ServiceName, string Name, string TraceId, string SpanId, string ParentSpanId);

/// <summary>
/// A loopback OTLP/HTTP trace receiver (POST /v1/traces, protobuf): point an exporter at <see cref="Endpoint"/> with
/// OtlpExportProtocol.HttpProtobuf (or OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf) and read <see cref="Spans"/>.
/// It decodes just the fields a trace test needs from ExportTraceServiceRequest
/// (resource_spans -> resource.attributes[service.name], scope_spans -> spans: trace_id, span_id, parent_span_id, name).
/// </summary>
public sealed class OtlpTraceReceiver : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<ReceivedSpan> _spans = new();
    private readonly Task _loop;

    public string Endpoint { get; }
    public IReadOnlyCollection<ReceivedSpan> Spans => _spans;

    public OtlpTraceReceiver()
    {
        var port = RedisServer.FreePort();
        Endpoint = $"http://127.0.0.1:{port}";
        _listener.Prefixes.Add($"{Endpoint}/");
        _listener.Start();
        _loop = Task.Run(ServeAsync);
    }

    private async Task ServeAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException)
            {
                return; // stopped
            }
            using var body = new MemoryStream();
            await context.Request.InputStream.CopyToAsync(body);
            if (context.Request.Url?.AbsolutePath == "/v1/traces")
            {
                foreach (var span in DecodeRequest(body.ToArray()))
                {
                    _spans.Enqueue(span);
                }
            }
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/x-protobuf";
            context.Response.Close();
        }
    }

    /// <summary>Waits until a predicate holds over the received spans, or the timeout passes.</summary>
    public async Task<bool> WaitForAsync(Func<IReadOnlyCollection<ReceivedSpan>, bool> condition, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition(Spans))
        {
            if (DateTime.UtcNow >= deadline)
            {
                return false;
            }
            await Task.Delay(100);
        }
        return true;
    }

    public static IEnumerable<ReceivedSpan> DecodeRequest(byte[] request)
    {
        foreach (var resourceSpans in Fields(request).Where(f => f.Number == 1).Select(f => f.Bytes))
        {
            var service = "";
            foreach (var field in Fields(resourceSpans))
            {
                if (field.Number == 1)
                {
                    service = ServiceName(field.Bytes) ?? service;
                }
            }
            foreach (var scopeSpans in Fields(resourceSpans).Where(f => f.Number == 2).Select(f => f.Bytes))
            {
                foreach (var span in Fields(scopeSpans).Where(f => f.Number == 2).Select(f => f.Bytes))
                {
                    string traceId = "", spanId = "", parent = "", name = "";
                    foreach (var field in Fields(span))
                    {
                        switch (field.Number)
                        {
                            case 1: traceId = Convert.ToHexStringLower(field.Bytes); break;
                            case 2: spanId = Convert.ToHexStringLower(field.Bytes); break;
                            case 4: parent = Convert.ToHexStringLower(field.Bytes); break;
                            case 5: name = Encoding.UTF8.GetString(field.Bytes); break;
                        }
                    }
                    yield return new ReceivedSpan(service, name, traceId, spanId, parent);
                }
            }
        }
    }

    /// <summary>service.name from a Resource (attributes = 1: KeyValue { key = 1, value = 2: AnyValue { string_value = 1 } }).</summary>
    private static string? ServiceName(byte[] resource)
    {
        foreach (var attribute in Fields(resource).Where(f => f.Number == 1).Select(f => f.Bytes))
        {
            var fields = Fields(attribute).ToList();
            var key = fields.FirstOrDefault(f => f.Number == 1);
            var value = fields.FirstOrDefault(f => f.Number == 2);
            if (key.Bytes is not null && Encoding.UTF8.GetString(key.Bytes) == "service.name" && value.Bytes is not null)
            {
                var text = Fields(value.Bytes).FirstOrDefault(f => f.Number == 1);
                return text.Bytes is null ? null : Encoding.UTF8.GetString(text.Bytes);
            }
        }
        return null;
    }

    private readonly record struct Field(int Number, byte[] Bytes);

    /// <summary>The length-delimited fields of a protobuf message (other wire types are skipped).</summary>
    private static IEnumerable<Field> Fields(byte[] message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var key = ReadVarint(message, ref position);
            var number = (int)(key >> 3);
            switch ((int)(key & 7))
            {
                case 0: ReadVarint(message, ref position); break;
                case 1: position += 8; break;
                case 5: position += 4; break;
                case 2:
                    var length = (int)ReadVarint(message, ref position);
                    yield return new Field(number, message[position..(position + length)]);
                    position += length;
                    break;
                default: throw new InvalidDataException($"unsupported protobuf wire type {key & 7} at byte {position}");
            }
        }
    }

    private static ulong ReadVarint(byte[] message, ref int position)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[position++];
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
        _loop.Wait(TimeSpan.FromSeconds(5));
    }
}
