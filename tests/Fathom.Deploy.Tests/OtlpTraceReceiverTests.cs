using Fathom.Replay;
using Fathom.Grains.Telemetry;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Fathom.Deploy.Tests;

/// <summary>
/// The loopback OTLP receiver that the trace acceptance test uses, proven against the real OTLP exporter: Fathom spans
/// arrive with their trace and parent ids.
/// </summary>
public class OtlpTraceReceiverTests
{
    [Fact]
    public async Task Receives_Fathom_spans_with_their_parents_from_the_real_OTLP_exporter()
    {
        using var receiver = new OtlpTraceReceiver();
        string traceId;
        using (var tracing = Sdk.CreateTracerProviderBuilder()
                   .ConfigureResource(r => r.AddService("fathom-deploy-test"))
                   .AddSource(FathomTelemetry.Name)
                   .AddOtlpExporter(o =>
                   {
                       o.Endpoint = new Uri($"{receiver.Endpoint}/v1/traces");
                       o.Protocol = OtlpExportProtocol.HttpProtobuf;
                   })
                   .Build())
        {
            using (var root = FathomTelemetry.Source.StartActivity(FathomTelemetry.Spans.LearnerUpdate))
            {
                Assert.NotNull(root);
                traceId = root.TraceId.ToHexString();
                using (FathomTelemetry.Source.StartActivity(ReplayTelemetry.Spans.ReplaySample))
                {
                }
            }
            Assert.True(tracing.ForceFlush(10_000), "the OTLP exporter did not flush");
        }

        // Other tests in this process may emit Fathom spans at the same time: judge only this test's own trace.
        Assert.True(await receiver.WaitForAsync(spans => spans.Count(s => s.TraceId == traceId) >= 2, TimeSpan.FromSeconds(10)),
            $"received {receiver.Spans.Count} spans");
        var update = Assert.Single(receiver.Spans, s => s.TraceId == traceId && s.Name == FathomTelemetry.Spans.LearnerUpdate);
        var sample = Assert.Single(receiver.Spans, s => s.TraceId == traceId && s.Name == ReplayTelemetry.Spans.ReplaySample);
        Assert.Equal("fathom-deploy-test", update.ServiceName);
        Assert.Equal(32, update.TraceId.Length);
        Assert.Equal(update.TraceId, sample.TraceId);
        Assert.Equal(update.SpanId, sample.ParentSpanId);
        Assert.Equal("", update.ParentSpanId);
    }
}
