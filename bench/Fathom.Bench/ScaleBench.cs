using System.Globalization;
using Fathom.Replay;
using Fathom.Tests.Netns;

namespace Fathom.Bench;

/// <summary>
/// Scale-out of collection on a cluster of real processes (deploy/netns/cluster.sh): 1, 2, 4 and 8 collector silos,
/// each in its own network namespace and held to the same CPU share, one learner silo, one replay shard, the
/// membership and state Redis on hosts of their own. Per silo count: env steps per second (the store's own counter)
/// and learner samples per second (the rate limiter's ledger) over a window after warm-up, and the efficiency
/// rate(N) / (N x rate(1)). The CPU seconds of the Redis servers and the silos over the window say where time goes.
/// Needs root. `scale [--silos 1,2,4,8] [--rounds 3] [--window 45] [--warmup 20] [--cpu 0.15] [--learner-cpu 0.3] [--capacity 2000000]`;
/// `scale --plot-only` redraws bench-results/scale.png from scale.json.
/// </summary>
public sealed class ScaleBench : IBenchmark
{
    public string Name => "scale";
    public string Description => "env steps/s and samples/s with 1-8 collector silos (netns cluster, equal CPU shares); writes scale.json";

    const string Learner = "learner";

    public async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--plot-only"))
        {
            // Redraws bench-results/scale.png from bench-results/scale.json.
            using var json = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine("bench-results", "scale.json")));
            var stored = json.RootElement.EnumerateArray().Select(r => (r.GetProperty("silos").GetInt32(), r.GetProperty("env_steps_per_s").GetDouble(),
                r.GetProperty("env_steps_per_s_min").GetDouble(), r.GetProperty("env_steps_per_s_max").GetDouble(), r.GetProperty("samples_per_s").GetDouble())).ToArray();
            Plot(stored, json.RootElement[0].GetProperty("cpu_per_collector_silo").GetDouble());
            return 0;
        }
        var silos = Option(args, "--silos", "1,2,4,8").Split(',').Select(int.Parse).ToArray();
        var rounds = int.Parse(Option(args, "--rounds", "3"), CultureInfo.InvariantCulture);
        var window = TimeSpan.FromSeconds(double.Parse(Option(args, "--window", "45"), CultureInfo.InvariantCulture));
        var warmup = TimeSpan.FromSeconds(double.Parse(Option(args, "--warmup", "20"), CultureInfo.InvariantCulture));
        var cpu = double.Parse(Option(args, "--cpu", "0.15"), CultureInfo.InvariantCulture);
        var learnerCpu = double.Parse(Option(args, "--learner-cpu", "0.3"), CultureInfo.InvariantCulture);
        var capacity = long.Parse(Option(args, "--capacity", "2000000"), CultureInfo.InvariantCulture);
        if (NetnsCluster.Unavailable() is { } why)
        {
            Console.Error.WriteLine($"scale: {why}");
            return 2;
        }

        var most = silos.Max();
        using var cluster = new FathomNetnsCluster(shards: 1, siloHosts: most + 1, binaries: AppContext.BaseDirectory);
        for (int i = 0; i < most; i++) cluster.StartSilo(i, "collector", cpu);
        cluster.StartSilo(most, "learner", learnerCpu);
        for (int i = 0; i <= most; i++) await cluster.WaitForSiloAsync(i, TimeSpan.FromMinutes(3));
        Console.WriteLine($"cluster up: {most} collector silos at {cpu} cores each, a learner silo at {learnerCpu}, load {BenchResults.LoadAverage()}");

        // Every silo runs the collector's code once before anything is measured: JIT compilation and libtorch's start
        // under a small CPU share take long enough to spoil the first window of each silo.
        Console.WriteLine($"warm-up: {most} collectors for {2 * warmup.TotalSeconds:F0} s (not measured)");
        await MeasureAsync(cluster, "scale-warmup", most, warmup, warmup, capacity);

        var samples = new List<Sample>();
        for (int round = 0; round < rounds; round++)
            foreach (var n in silos)
            {
                var sample = await MeasureAsync(cluster, $"scale-r{round}-n{n}", n, warmup, window, capacity);
                samples.Add(sample);
                Console.WriteLine($"round {round + 1} silos {n}: {sample.EnvStepsPerSecond,9:F0} env steps/s {sample.SamplesPerSecond,9:F0} samples/s " +
                                  $"replay redis {sample.ReplayRedisCpu:P0} state redis {sample.StateRedisCpu:P0} membership {sample.MembershipRedisCpu:P0} of a core, " +
                                  $"collector silos {sample.CollectorSiloCpu:F2} cores, learner {sample.LearnerSiloCpu:F2}, {sample.Episodes} episodes in the store");
            }

        var baseline = BenchResults.Median(samples.Where(s => s.Silos == silos.Min()).Select(s => s.EnvStepsPerSecond / s.Silos));
        var rows = silos.Select(n =>
        {
            var at = samples.Where(s => s.Silos == n).ToArray();
            var rate = BenchResults.Median(at.Select(s => s.EnvStepsPerSecond));
            return new
            {
                silos = n,
                env_steps_per_s = Math.Round(rate, 1),
                samples_per_s = Math.Round(BenchResults.Median(at.Select(s => s.SamplesPerSecond)), 1),
                efficiency = Math.Round(rate / (n * baseline), 3),
                env_steps_per_s_min = Math.Round(at.Min(s => s.EnvStepsPerSecond), 1),
                env_steps_per_s_max = Math.Round(at.Max(s => s.EnvStepsPerSecond), 1),
                rounds = at.Length,
                cpu_per_collector_silo = cpu,
                replay_redis_cores = Math.Round(BenchResults.Median(at.Select(s => s.ReplayRedisCpu)), 3),
                state_redis_cores = Math.Round(BenchResults.Median(at.Select(s => s.StateRedisCpu)), 3),
                membership_redis_cores = Math.Round(BenchResults.Median(at.Select(s => s.MembershipRedisCpu)), 3),
                collector_silo_cores = Math.Round(BenchResults.Median(at.Select(s => s.CollectorSiloCpu)), 3),
                learner_silo_cores = Math.Round(BenchResults.Median(at.Select(s => s.LearnerSiloCpu)), 3),
                episodes_in_store = (long)BenchResults.Median(at.Select(s => (double)s.Episodes)),
                capacity_transitions = capacity,
            };
        }).ToArray();
        Console.WriteLine();
        Console.WriteLine("silos  env steps/s (min-max)        samples/s  efficiency  replay redis  state redis  collector silos (cores)");
        foreach (var r in rows)
            Console.WriteLine($"{r.silos,5}  {r.env_steps_per_s,10:F0} ({r.env_steps_per_s_min:F0}-{r.env_steps_per_s_max:F0})  {r.samples_per_s,12:F0}  {r.efficiency,10:F2}  {r.replay_redis_cores,12:F3}  {r.state_redis_cores,11:F3}  {r.collector_silo_cores,8:F2}");
        BenchResults.Write("scale", rows);
        Plot(rows.Select(r => (r.silos, r.env_steps_per_s, r.env_steps_per_s_min, r.env_steps_per_s_max, r.samples_per_s)).ToArray(), cpu);
        return 0;
    }

    /// <summary>bench-results/scale.png: env steps per second against collector silos, with the linear ideal from one silo.</summary>
    static void Plot((int Silos, double Rate, double Min, double Max, double Samples)[] rows, double cpu)
    {
        using var plot = new ScottPlot.Plot();
        var x = rows.Select(r => (double)r.Silos).ToArray();
        var baseline = rows[0].Rate / rows[0].Silos;
        var ideal = plot.Add.ScatterLine(x, x.Select(n => n * baseline).ToArray());
        ideal.LinePattern = ScottPlot.LinePattern.Dashed;
        ideal.Color = ScottPlot.Colors.Gray;
        ideal.LegendText = "linear (N x one silo)";
        var measured = plot.Add.Scatter(x, rows.Select(r => r.Rate).ToArray());
        measured.LegendText = "env steps/s (median; dashes: min and max over rounds)";
        measured.LineWidth = 2;
        foreach (var bound in new[] { rows.Select(r => r.Min).ToArray(), rows.Select(r => r.Max).ToArray() })
        {
            var marks = plot.Add.Markers(x, bound);
            marks.Color = measured.Color;
            marks.MarkerShape = ScottPlot.MarkerShape.HorizontalBar;
            marks.MarkerSize = 12;
        }
        var samples = plot.Add.Scatter(x, rows.Select(r => r.Samples).ToArray());
        samples.LegendText = "learner samples/s (one learner silo)";
        plot.Title($"Scale-out: collector silos at {cpu} cores each (netns cluster, one replay shard)");
        plot.XLabel("collector silos");
        plot.YLabel("per second");
        plot.Axes.SetLimitsX(0, rows.Max(r => r.Silos) + 0.5);
        plot.Axes.SetLimitsY(0, Math.Max(rows.Max(r => r.Max), x.Max() * baseline) * 1.1);
        plot.ShowLegend(ScottPlot.Alignment.UpperLeft);
        Directory.CreateDirectory("bench-results");
        plot.SavePng(Path.Combine("bench-results", "scale.png"), 900, 540);
        Console.WriteLine("wrote bench-results/scale.png");
    }

    sealed record Sample(int Silos, double EnvStepsPerSecond, double SamplesPerSecond, double ReplayRedisCpu, double StateRedisCpu, double MembershipRedisCpu,
        double CollectorSiloCpu, double LearnerSiloCpu, long Episodes);

    /// <summary>One run with <paramref name="n"/> collectors (one per collector silo), measured over a window after warm-up, then stopped and deleted.</summary>
    static async Task<Sample> MeasureAsync(FathomNetnsCluster cluster, string run, int n, TimeSpan warmup, TimeSpan window, long capacity)
    {
        var folder = Directory.CreateTempSubdirectory("fathom-scale-").FullName;
        try
        {
            var spec = Path.Combine(folder, run + ".yaml");
            await File.WriteAllTextAsync(spec, Spec(n, capacity));
            var (code, output) = await cluster.FathomAsync(TimeSpan.FromMinutes(3), "run", spec, "--run", run, "--results", folder, "--detach");
            if (code != 0) throw new InvalidOperationException($"fathom run {run} exited {code}: {output}");
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(3);
            while (await InsertedAsync(cluster, run) == 0)
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"run {run} stored nothing within 3 minutes");
                await Task.Delay(500);
            }
            await Task.Delay(warmup);

            var collectors = cluster.Silos.Where(s => s.Role == "collector").Select(s => s.Process).ToArray();
            var learner = cluster.Silos.Single(s => s.Role == "learner").Process;
            HostProcess[] watched = [cluster.Redis(FathomNetnsCluster.ShardHost(0)), cluster.Redis(FathomNetnsCluster.StateHost), cluster.Redis(FathomNetnsCluster.MembershipHost), learner, .. collectors];
            var cpu0 = watched.Select(p => p.CpuSeconds() ?? 0).ToArray();
            var (inserted0, sampled0) = (await InsertedAsync(cluster, run), await SampledAsync(cluster, run));
            var clock = System.Diagnostics.Stopwatch.StartNew();
            await Task.Delay(window);
            var (inserted1, sampled1) = (await InsertedAsync(cluster, run), await SampledAsync(cluster, run));
            var seconds = clock.Elapsed.TotalSeconds;
            var cpu = watched.Select((p, i) => ((p.CpuSeconds() ?? 0) - cpu0[i]) / seconds).ToArray();
            var episodes = await cluster.RedisLongAsync(FathomNetnsCluster.ShardHost(0), "LLEN", RedisReplayKeys.Index(run, 0));

            await cluster.FathomAsync(TimeSpan.FromMinutes(3), "stop", run);
            await cluster.FathomAsync(TimeSpan.FromMinutes(3), "delete", run, "--force");
            return new Sample(n, (inserted1 - inserted0) / seconds, (sampled1 - sampled0) / seconds, cpu[0], cpu[1], cpu[2], cpu[4..].Sum(), cpu[3], episodes);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Transitions the run's replay shard has received (its monotone counter).</summary>
    static Task<long> InsertedAsync(FathomNetnsCluster cluster, string run) =>
        cluster.RedisLongAsync(FathomNetnsCluster.ShardHost(0), "GET", RedisReplayKeys.Inserted(run, 0));

    /// <summary>Transitions the learner has sampled, as it reports them to the rate limiter's ledger (0 before its first report).</summary>
    static async Task<long> SampledAsync(FathomNetnsCluster cluster, string run)
    {
        var lines = await cluster.RedisLinesAsync(FathomNetnsCluster.StateHost, "HGET", RateLimiterLedger.Key(run), Learner);
        return lines.Length == 0 ? 0 : long.Parse(lines[0].Split(':')[1], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// N collectors (spread one per collector silo) and one small learner whose rate limiter's band is so wide that it
    /// never holds either side back: the env-step figure is collection's alone, and the learner's samples show whether
    /// the store still serves it as collection grows.
    /// </summary>
    static string Spec(int n, long capacity) => $$"""
        seed: 1
        environment:
          kind: point_maze
          train_layout: u_maze
          eval_layout: u_maze_eval
          episode_length: 50
        budget:
          env_steps: 1000000000
        collectors:
          - count: {{n}}
            envs: 32
            behaviour: {{Learner}}
            weight_refresh_steps: 50
        learners:
          - name: {{Learner}}
            role: behaviour
            actor: { depth: 4, width: 64 }
            critic: { depth: 4, width: 64 }
            batch: 256
            samples_per_insert: 0.05
            rate_limiter_error_buffer: 1000000000000
        replay:
          shards: 1
          capacity: {{capacity}}
          min_transitions: 3200
        evaluation:
          period_updates: 1000000
          episodes: 8
        checkpoint:
          period_updates: 1000000
        """;

    static string Option(string[] args, string name, string fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
    }
}
