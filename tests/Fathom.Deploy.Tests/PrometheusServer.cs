using System.Diagnostics;
using System.Text.Json.Nodes;

namespace Fathom.Deploy.Tests;

/// <summary>
/// A real Prometheus (the Debian package's binary) on a free loopback port, scraping the given targets every second,
/// with its own temporary storage; stopped and cleaned up on dispose. <see cref="QueryAsync"/> runs an instant query
/// through the HTTP API.
/// </summary>
public sealed class PrometheusServer : IAsyncDisposable
{
    private readonly Process _process;
    private readonly DirectoryInfo _directory;
    private readonly HttpClient _http;

    private PrometheusServer(Process process, DirectoryInfo directory, int port)
    {
        _process = process;
        _directory = directory;
        _http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
    }

    /// <param name="targets">host:port of each /metrics endpoint to scrape.</param>
    public static async Task<PrometheusServer> StartAsync(IEnumerable<string> targets)
    {
        var directory = Directory.CreateTempSubdirectory("fathom-prometheus-");
        var config = Path.Combine(directory.FullName, "prometheus.yml");
        var targetList = string.Join(", ", targets.Select(t => $"\"{t}\""));
        await File.WriteAllTextAsync(config,
            $"global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n  - job_name: fathom-silo\n    static_configs:\n      - targets: [{targetList}]\n");
        var port = RedisServer.FreePort();
        var start = new ProcessStartInfo(Tools.Require("prometheus"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
                 {
                     $"--config.file={config}", $"--storage.tsdb.path={Path.Combine(directory.FullName, "data")}",
                     $"--web.listen-address=127.0.0.1:{port}", "--log.level=warn",
                 })
        {
            start.ArgumentList.Add(argument);
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start prometheus");
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new PrometheusServer(process, directory, port);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            try
            {
                if ((await server._http.GetAsync("/-/ready")).IsSuccessStatusCode)
                {
                    return server;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(200);
        }
        await server.DisposeAsync();
        throw new TimeoutException($"prometheus was not ready on port {port} within 30 s");
    }

    /// <summary>An instant query; returns the result vector (empty: no data). Fails on a query error.</summary>
    public async Task<JsonArray> QueryAsync(string promql)
    {
        var body = await _http.GetStringAsync($"/api/v1/query?query={Uri.EscapeDataString(promql)}");
        var response = JsonNode.Parse(body)!;
        if ((string?)response["status"] != "success")
        {
            throw new InvalidOperationException($"prometheus rejected {promql}: {body}");
        }
        var result = response["data"]!["result"]!;
        return result as JsonArray ?? new JsonArray(result.DeepClone());
    }

    /// <summary>Queries until the result is non-empty or the timeout passes; returns the last result.</summary>
    public async Task<JsonArray> QueryUntilDataAsync(string promql, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var result = await QueryAsync(promql);
            if (result.Count > 0 || DateTime.UtcNow >= deadline)
            {
                return result;
            }
            await Task.Delay(500);
        }
    }

    /// <summary>
    /// The queries that return no data (each polled until <paramref name="timeoutEach"/>): the dashboard check against a
    /// scraped silo. Use <see cref="DashboardQueries.Expanded"/> with a rate interval of several scrape intervals.
    /// </summary>
    public async Task<IReadOnlyList<DashboardQuery>> QueriesWithoutDataAsync(IEnumerable<DashboardQuery> queries, TimeSpan timeoutEach)
    {
        var empty = new List<DashboardQuery>();
        foreach (var query in queries)
        {
            if ((await QueryUntilDataAsync(query.Expr, timeoutEach)).Count == 0)
            {
                empty.Add(query);
            }
        }
        return empty;
    }

    public async ValueTask DisposeAsync()
    {
        _http.Dispose();
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
        _directory.Delete(recursive: true);
    }
}
