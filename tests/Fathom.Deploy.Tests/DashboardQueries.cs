using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Fathom.Deploy.Tests;

/// <summary>One PromQL expression of the dashboard, with the panel it feeds.</summary>
public sealed record DashboardQuery(string Panel, string RefId, string Expr);

/// <summary>
/// The machine-checkable list of the dashboard's PromQL: every panel target of deploy/grafana/dashboards/fathom-experiment.json,
/// the Grafana variables expanded to plain PromQL, and the metric names each uses. The live test (a silo plus a real
/// Prometheus) runs <see cref="Expanded"/> against Prometheus's HTTP API and requires data from each.
/// </summary>
public static partial class DashboardQueries
{
    /// <summary>Every panel target's expression, as written in the dashboard (with Grafana variables).</summary>
    public static IReadOnlyList<DashboardQuery> Load(string? dashboardPath = null)
    {
        var dashboard = JsonNode.Parse(File.ReadAllText(dashboardPath ?? Repo.Dashboard))!;
        var queries = new List<DashboardQuery>();
        Collect(dashboard["panels"]?.AsArray(), queries);
        return queries;
    }

    /// <summary>The dashboard's expressions with Grafana variables replaced so that Prometheus accepts them.</summary>
    /// <param name="rateInterval">Replaces $__rate_interval, $__interval and $__range (a PromQL duration such as "1m").</param>
    public static IReadOnlyList<DashboardQuery> Expanded(string rateInterval = "1m", string? dashboardPath = null) =>
        Load(dashboardPath).Select(q => q with { Expr = Expand(q.Expr, rateInterval) }).ToList();

    /// <summary>
    /// Grafana's interval variables become <paramref name="rateInterval"/>; selection variables ($run, ${learner}) become
    /// ".*", what the dashboard sends for "All" (they only appear inside =~ matchers).
    /// </summary>
    public static string Expand(string expr, string rateInterval = "1m")
    {
        var withIntervals = IntervalVariable().Replace(expr, rateInterval);
        return SelectionVariable().Replace(withIntervals, ".*");
    }

    /// <summary>The metric names an expression reads (Fathom, Orleans and .NET runtime metrics).</summary>
    public static IReadOnlySet<string> MetricNames(string expr) =>
        MetricName().Matches(expr).Select(m => m.Value).ToHashSet();

    /// <summary>The metric names used anywhere in the dashboard: panel targets and variable queries.</summary>
    public static IReadOnlySet<string> AllMetricNames(string? dashboardPath = null)
    {
        var path = dashboardPath ?? Repo.Dashboard;
        var names = Load(path).SelectMany(q => MetricNames(q.Expr)).ToHashSet();
        var variables = JsonNode.Parse(File.ReadAllText(path))!["templating"]?["list"]?.AsArray() ?? [];
        foreach (var variable in variables)
        {
            if ((string?)variable!["definition"] is { } definition)
            {
                names.UnionWith(MetricNames(definition));
            }
        }
        return names;
    }

    private static void Collect(JsonArray? panels, List<DashboardQuery> queries)
    {
        foreach (var panel in panels ?? [])
        {
            var title = (string?)panel!["title"] ?? "(untitled)";
            foreach (var target in panel["targets"]?.AsArray() ?? [])
            {
                if ((string?)target!["expr"] is { Length: > 0 } expr)
                {
                    queries.Add(new DashboardQuery(title, (string?)target["refId"] ?? "?", expr));
                }
            }
            Collect(panel["panels"]?.AsArray(), queries);
        }
    }

    [GeneratedRegex(@"\$(__rate_interval|__interval|__range)\b|\$\{(__rate_interval|__interval|__range)\}")]
    private static partial Regex IntervalVariable();

    [GeneratedRegex(@"\$\{[A-Za-z_][A-Za-z0-9_]*(:[a-z]+)?\}|\$[A-Za-z_][A-Za-z0-9_]*")]
    private static partial Regex SelectionVariable();

    [GeneratedRegex(@"\b(?:fathom|orleans|dotnet)_[a-z0-9_]+\b")]
    private static partial Regex MetricName();
}
