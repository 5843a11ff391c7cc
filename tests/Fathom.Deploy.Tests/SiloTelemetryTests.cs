using Fathom.Replay;
using Fathom.Grains.Contracts;
using Fathom.Grains.Telemetry;
using Xunit.Abstractions;

namespace Fathom.Deploy.Tests;

/// <summary>
/// The acceptance tests of the telemetry against the real system: a silo running a tiny experiment, a real
/// Prometheus scraping it, and its OTLP traces received on loopback.
/// </summary>
[Collection(InProcessSiloCollection.Name)]
public sealed class SiloTelemetryTests(TinyExperimentSilo silo, ITestOutputHelper output) : IClassFixture<TinyExperimentSilo>
{
    private void RequireFinishedRun()
    {
        var status = silo.Status ?? throw new InvalidOperationException("the silo fixture did not start");
        output.WriteLine($"run {status.Run}: {status.State} after {status.Seconds:F1} s, {status.EnvSteps} env steps, " +
                         $"updates {string.Join(", ", status.Learners.Select(l => $"{l.Name} {l.Updates}"))} {status.Error}");
        Assert.Equal(ExperimentState.Finished, status.State);
    }

    [ToolFact("prometheus")]
    public async Task Every_dashboard_query_returns_data_from_Prometheus_scraping_a_silo_running_an_experiment()
    {
        RequireFinishedRun();
        // $run selects this run, so every Fathom series that answers is the experiment's own.
        var runSelector = $"run=~\"{silo.Run}\"";
        var queries = DashboardQueries.Expanded("30s").Select(q => q with { Expr = q.Expr.Replace("run=~\".*\"", runSelector, StringComparison.Ordinal) }).ToList();
        Assert.Equal(DashboardQueries.Expanded().Count(q => q.Expr.Contains("fathom_", StringComparison.Ordinal) && !q.Expr.Contains("fathom_redis", StringComparison.Ordinal)),
            queries.Count(q => q.Expr.Contains(runSelector, StringComparison.Ordinal)));
        var empty = await silo.Prometheus!.QueriesWithoutDataAsync(queries, TimeSpan.FromSeconds(10));
        Assert.True(empty.Count == 0, $"{empty.Count} of {queries.Count} queries without data:\n" +
                                      string.Join("\n", empty.Select(q => $"{q.Panel} [{q.RefId}]: {q.Expr}")));
        // The data is the run's own: the env steps Prometheus saw are the steps the collectors made.
        var steps = await silo.Prometheus.QueryAsync($"sum(fathom_env_steps_total{{run=\"{silo.Run}\"}})");
        Assert.Equal(silo.Status!.EnvSteps, (long)double.Parse((string)steps[0]!["value"]![1]!, System.Globalization.CultureInfo.InvariantCulture));
    }

    [ToolFact("prometheus")]
    public async Task An_update_and_an_append_arrive_over_OTLP_in_the_trace_of_their_parents()
    {
        RequireFinishedRun();
        static bool Nested(IReadOnlyCollection<ReceivedSpan> spans, string child, string parent) =>
            spans.Any(c => c.Name == child && spans.Any(p => p.Name == parent && p.TraceId == c.TraceId && p.SpanId == c.ParentSpanId));
        bool Complete(IReadOnlyCollection<ReceivedSpan> spans) =>
            Nested(spans, ReplayTelemetry.Spans.ReplayAppend, FathomTelemetry.Spans.CollectChunk) &&
            Nested(spans, ReplayTelemetry.Spans.ReplaySample, FathomTelemetry.Spans.LearnerUpdate) &&
            spans.Any(IsReplayScript);
        bool IsReplayScript(ReceivedSpan s) =>
            s.Name == ReplayTelemetry.Spans.ReplayStoreAndIndex && silo.Traces.Spans.Any(p => p.Name == ReplayTelemetry.Spans.ReplayAppend && p.SpanId == s.ParentSpanId);
        var received = await silo.Traces.WaitForAsync(Complete, TimeSpan.FromSeconds(15));
        var spans = silo.Traces.Spans.ToList();
        foreach (var group in spans.GroupBy(s => s.Name).OrderBy(g => g.Key)) output.WriteLine($"{group.Key}: {group.Count()}");
        Assert.True(received, "missing in the received traces: an append under a collect chunk, a sample under an update, or a replay shard's round trip (SET NX and index script) under an append");

        // One append and its chunk: same trace, the chunk is the append's parent and a root (one chunk, one trace).
        var append = spans.First(c => c.Name == ReplayTelemetry.Spans.ReplayAppend && spans.Any(p => p.SpanId == c.ParentSpanId));
        var chunk = Assert.Single(spans, s => s.SpanId == append.ParentSpanId);
        Assert.Equal(FathomTelemetry.Spans.CollectChunk, chunk.Name);
        Assert.Equal(chunk.TraceId, append.TraceId);
        Assert.Equal("", chunk.ParentSpanId);
        Assert.Equal(TinyExperimentSilo.ServiceName, append.ServiceName);
        // The replay shard's round trip (a client span of the store's own connection) is the append's child in the same trace.
        var script = spans.First(s => s.Name == ReplayTelemetry.Spans.ReplayStoreAndIndex && spans.Any(p => p.Name == ReplayTelemetry.Spans.ReplayAppend && p.SpanId == s.ParentSpanId));
        Assert.Equal(spans.Single(p => p.SpanId == script.ParentSpanId).TraceId, script.TraceId);

        // One update and the sampling it waited on: same trace, the update is the parent and a root.
        var sample = spans.First(c => c.Name == ReplayTelemetry.Spans.ReplaySample && spans.Any(p => p.SpanId == c.ParentSpanId));
        var update = Assert.Single(spans, s => s.SpanId == sample.ParentSpanId);
        Assert.Equal(FathomTelemetry.Spans.LearnerUpdate, update.Name);
        Assert.Equal(update.TraceId, sample.TraceId);
        Assert.Equal("", update.ParentSpanId);
    }
}
