using System.Text.RegularExpressions;

namespace Fathom.Deploy.Tests;

/// <summary>The Grafana dashboard's PromQL: it parses, and it only reads metrics that a real exporter renders from Fathom's instruments.</summary>
[Collection(InProcessSiloCollection.Name)]
public partial class DashboardTests(TelemetryScrape scrape) : IClassFixture<TelemetryScrape>
{
    private static Tools.Result CheckRules(IEnumerable<string> expressions)
    {
        var rules = string.Join("\n", expressions.Select((expr, i) =>
            $"      - record: dashboard:query_{i}\n        expr: '{expr.Replace("'", "''", StringComparison.Ordinal)}'"));
        var file = Manifests.WriteTemp($"groups:\n  - name: dashboard\n    rules:\n{rules}\n", "dashboard-rules.yaml");
        return Tools.Run("promtool", ["check", "rules", file]);
    }

    [Fact]
    public void Dashboard_has_queries_for_every_section()
    {
        var panels = DashboardQueries.Load().Select(q => q.Panel).ToHashSet();
        Assert.True(DashboardQueries.Load().Count >= 30, "the dashboard lost queries");
        foreach (var panel in new[]
                 {
                     "Env steps / s", "Updates / s per learner", "Time at goal per learner", "Replay size per shard", "Replay fill per shard",
                     "Inserted and sampled transitions / s", "Samples per insert vs target", "Time blocked by the rate limiter, and waiting for data",
                     "Policy version", "Policy lag", "Weight publish size", "Weight publish time", "Redis command latency", "Grain call latency p99",
                 })
        {
            Assert.Contains(panel, panels);
        }
    }

    [Fact]
    public void Grafana_variables_expand_to_plain_PromQL()
    {
        var expanded = DashboardQueries.Expand("sum by (run) (rate(fathom_env_steps_total{run=~\"$run\", learner=~\"${learner}\"}[$__rate_interval]))", "2m");
        Assert.Equal("sum by (run) (rate(fathom_env_steps_total{run=~\".*\", learner=~\".*\"}[2m]))", expanded);
        Assert.All(DashboardQueries.Expanded(), q => Assert.DoesNotContain("$", q.Expr));
    }

    [ToolFact("promtool")]
    public void Every_query_parses_as_PromQL()
    {
        var queries = DashboardQueries.Expanded();
        var result = CheckRules(queries.Select(q => q.Expr));
        Assert.True(result.ExitCode == 0, $"promtool rejected a dashboard query:\n{result.Output}");
        Assert.Contains($"SUCCESS: {queries.Count} rules found", result.Output);
    }

    [ToolFact("promtool")]
    public void A_broken_query_is_caught_by_the_parser()
    {
        var result = CheckRules(["sum by (run) (rate(fathom_env_steps_total{run=~\".*\"}[1m])"]);
        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("parse error", result.Output);
    }

    [Fact]
    public void Every_Fathom_instrument_appears_on_the_dashboard()
    {
        var used = string.Join("\n", DashboardQueries.Load().Select(q => q.Expr));
        foreach (var instrument in FathomInstruments.All)
        {
            var family = instrument.Name.Replace('.', '_');
            Assert.True(used.Contains(family, StringComparison.Ordinal), $"{instrument.Name} is emitted but no dashboard panel shows it");
        }
    }

    [ToolFact("redis-server")]
    public void Every_Fathom_metric_on_the_dashboard_is_rendered_from_FathomTelemetry()
    {
        var missing = DashboardQueries.AllMetricNames().Where(n => n.StartsWith("fathom_", StringComparison.Ordinal)).Except(scrape.FathomNames).Order().ToList();
        Assert.True(missing.Count == 0, $"dashboard reads metrics no Fathom instrument renders: {string.Join(", ", missing)}\nrendered: {string.Join(", ", scrape.FathomNames.Order())}");
    }

    [ToolFact("redis-server")]
    public void Every_metric_on_the_dashboard_is_in_a_real_silo_scrape()
    {
        var missing = DashboardQueries.AllMetricNames().Except(scrape.Names).Order().ToList();
        Assert.True(missing.Count == 0, $"dashboard reads metrics a silo scrape lacks: {string.Join(", ", missing)}");
    }

    [ToolFact("redis-server")]
    public void Every_instrument_renders_and_the_readme_lists_exactly_the_rendered_names()
    {
        foreach (var instrument in FathomInstruments.All)
        {
            var family = instrument.Name.Replace('.', '_');
            Assert.Contains(scrape.FathomNames, n => n.StartsWith(family, StringComparison.Ordinal));
        }
        var readme = File.ReadAllText(Path.Combine(Repo.Grafana, "README.md"));
        var start = readme.IndexOf("<!-- rendered-metrics:begin", StringComparison.Ordinal);
        var end = readme.IndexOf("<!-- rendered-metrics:end -->", StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, "deploy/grafana/README.md lacks the rendered-metrics markers");
        var listed = BacktickedFathomName().Matches(readme[start..end]).Select(m => m.Groups[1].Value).ToHashSet();
        Assert.Equal(scrape.FathomNames.Order(), listed.Order());
    }

    /// <summary>
    /// The dashboard against a real Prometheus scraping a real silo's exporter. Fathom's instruments hold one synthetic
    /// measurement each here; the acceptance test with a silo running a tiny experiment calls the same
    /// <see cref="PrometheusServer.QueriesWithoutDataAsync"/> with real measurements.
    /// </summary>
    [ToolFact("redis-server", "prometheus")]
    public async Task Every_dashboard_query_returns_data_from_a_real_Prometheus_scraping_a_silo()
    {
        await using var prometheus = await PrometheusServer.StartAsync([scrape.MetricsEndpoint]);
        var empty = await prometheus.QueriesWithoutDataAsync(DashboardQueries.Expanded("30s"), TimeSpan.FromSeconds(20));
        Assert.True(empty.Count == 0, "queries without data:\n" + string.Join("\n", empty.Select(q => $"{q.Panel} [{q.RefId}]: {q.Expr}")));
    }

    [GeneratedRegex(@"`(fathom_[a-z0-9_]+)`")]
    private static partial Regex BacktickedFathomName();
}
