using System.Diagnostics;
using System.Globalization;
using Fathom.Grains.Contracts;
using Fathom.Grains.Specs;
using ScottPlot;
using Xunit.Abstractions;

namespace Fathom.Cluster.Tests;

/// <summary>
/// A soak: a detached run on the netns cluster while the faults of <see cref="FaultTests"/> strike at random times, the
/// resident memory of every process sampled once a second. The soak lasts its minutes whatever the machine's speed: the
/// budget is more than a slow machine collects in that time, and a run still going when the time is up is stopped. The
/// run must end cleanly (finished at its budget, or stopped), its ledger reconcile, and every process but the replay
/// shards keep a flat memory after warm-up. CI runs a few minutes; the long soak is
/// `FATHOM_SOAK_MINUTES=30 FATHOM_SOAK_OUT=soak dotnet test tests/Fathom.Cluster.Tests -c Release --filter Soak`
/// (memory.csv, memory.png and faults.csv land in FATHOM_SOAK_OUT).
/// </summary>
[Collection(ClusterFixture.Collection)]
public sealed class SoakTests(ClusterFixture fixture, ITestOutputHelper output)
{
    /// <summary>
    /// Budget per minute of soak: twice what the slowest machine seen collects under the soak's faults, so that the soak's
    /// clock, not the budget, ends the run there; a machine twice as fast reaches the budget at about the soak's end.
    /// </summary>
    const long EnvStepsPerMinute = 66_000;

    /// <summary>The learners' samples per insert in the soak.</summary>
    const double SamplesPerInsert = 2.0;

    /// <summary>Memory after warm-up may grow by at most this factor (median of the last quarter over the second quarter).</summary>
    const double MaxGrowth = 1.3;

    FathomNetnsCluster Cluster => fixture.Cluster;

    [Fact]
    public async Task Soak_RandomFaults_TheRunFinishesReconcilesAndMemoryStaysFlat()
    {
        var minutes = double.Parse(Environment.GetEnvironmentVariable("FATHOM_SOAK_MINUTES") ?? "2", CultureInfo.InvariantCulture);
        var folder = Environment.GetEnvironmentVariable("FATHOM_SOAK_OUT") is { Length: > 0 } o ? Directory.CreateDirectory(o).FullName : ScratchFolder.Create("soak");
        var budget = (long)(minutes * EnvStepsPerMinute);
        await fixture.EnsureRunningAsync();
        // Learners paced below what they can do, so that a run whose collectors ran ahead during a fault drains quickly at the end.
        var run = ClusterRun.Start(Cluster, "soak", FaultSpecs.Yaml(budget, samplesPerInsert: SamplesPerInsert), detach: true);
        Assert.True(await run.Client.WaitForExitAsync(TimeSpan.FromMinutes(2)) && run.Client.ExitCode == 0, $"fathom run --detach failed:\n{run.Client.Output}");

        var clock = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var memory = new List<(double Seconds, string Process, int Pid, long Bytes)>();
        var sampler = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                HostProcess[] processes;
                try { processes = Cluster.Processes.ToArray(); }
                catch (InvalidOperationException) { processes = []; } // a restart changed the process table meanwhile: skip this second
                foreach (var p in processes)
                    if (p.ResidentBytes() is { } bytes) lock (memory) memory.Add((clock.Elapsed.TotalSeconds, p.Name, p.Pid, bytes));
                try { await Task.Delay(TimeSpan.FromSeconds(1), stop.Token); } catch (OperationCanceledException) { }
            }
        });

        var faults = new List<(double Seconds, string Fault, double RecoverySeconds)>();
        var random = new Random(7);
        var spacing = minutes <= 5 ? (15, 35) : (60, 180);
        var deadline = TimeSpan.FromMinutes(minutes);
        ExperimentStatus status = await run.StatusAsync();
        while (clock.Elapsed < deadline && !status.IsOver)
        {
            await Task.Delay(TimeSpan.FromSeconds(random.Next(spacing.Item1, spacing.Item2)));
            status = await run.StatusAsync();
            if (status.IsOver) break;
            var at = clock.Elapsed.TotalSeconds;
            var fault = await InjectAsync(random.Next(6), status);
            var recovery = Stopwatch.StartNew();
            await fixture.EnsureRunningAsync();
            // Recovered when collection goes on, or, once the budget is in and the learners drain, when they train on.
            var (steps, updates) = (status.EnvSteps, status.Learners.Sum(l => l.Updates));
            status = await run.WaitForAsync(s => s.EnvSteps > steps || s.IsOver || (s.State == ExperimentState.Stopping && s.Learners.Sum(l => l.Updates) > updates),
                TimeSpan.FromMinutes(5), "progress after the fault");
            faults.Add((at, fault, recovery.Elapsed.TotalSeconds));
            output.WriteLine($"[{at,6:F0} s] {fault}; progressing again {recovery.Elapsed.TotalSeconds:F0} s later, at {status.EnvSteps} of {budget} env steps ({status.State})");
        }

        ExperimentStatus end;
        try
        {
            status = await run.StatusAsync();
            if (!status.IsOver) await run.StopAsync(); // the soak's time is up before the budget: end the run as a user would
            end = await run.WaitForEndAsync(TimeSpan.FromMinutes(minutes + 10));
        }
        finally
        {
            // What was sampled is written whatever happened, so that a failed soak still shows its memory and faults.
            stop.Cancel();
            try { await sampler; }
            finally { Write(folder, memory, faults); }
        }
        output.WriteLine($"run ended {end.State} after {clock.Elapsed.TotalMinutes:F1} min and {faults.Count} faults");
        var (final, ledger) = await run.ReconcileAsync(budget, collectorsKilled: true, stopped: end.State == ExperimentState.Stopped);
        output.WriteLine($"ledger: {ledger.Inserted} env steps stored, {ledger.Evicted} evicted, collectors reported {final.CollectedEnvSteps}");
        Assert.True(faults.Count >= 2, $"only {faults.Count} faults struck before the run ended; the soak proves little");

        // Judged: processes that lived half the soak or more, and at least a minute (a fast machine ends a 2-minute budget early).
        var growth = Growth(memory, Math.Max(60, clock.Elapsed.TotalSeconds / 2));
        foreach (var (process, pid, seconds, early, late) in growth)
            output.WriteLine($"{process} (pid {pid}, {seconds:F0} s): {early / 1e6:F0} MB after warm-up, {late / 1e6:F0} MB at the end");
        // Replay shards are meant to grow with the episodes they hold, up to the capacity; what they hold is the ledger's to check.
        var shards = Enumerable.Range(0, Cluster.Shards).Select(s => Cluster.Redis(FathomNetnsCluster.ShardHost(s)).Name).ToHashSet();
        var judged = growth.Where(g => !shards.Contains(g.Process)).ToList();
        Assert.NotEmpty(judged);
        Assert.All(judged, g => Assert.True(g.Late <= g.Early * MaxGrowth,
            $"{g.Process} (pid {g.Pid}) grew from {g.Early / 1e6:F0} MB to {g.Late / 1e6:F0} MB over {g.Seconds:F0} s"));
        output.WriteLine($"memory.csv, memory.png and faults.csv in {folder}");
    }

    /// <summary>Strikes fault <paramref name="kind"/> and returns what it did.</summary>
    async Task<string> InjectAsync(int kind, ExperimentStatus status)
    {
        var roles = ClusterFixture.Roles;
        switch (kind)
        {
            case 0:
                var collector = Enumerable.Range(0, roles.Length).First(i => roles[i] == "collector" && !Cluster.Silo(i).HasExited);
                Cluster.Silo(collector).Kill();
                return $"SIGKILL collector silo {collector}";
            case 1:
                var learner = status.Learners.FirstOrDefault(l => l.Role == LearnerRole.Behaviour && l.Silo.Length > 0);
                var index = learner is null ? 2 : fixture.SiloIndexOf(learner.Silo);
                Cluster.Silo(index).Kill();
                return $"SIGKILL silo {index} of the behaviour learner";
            case 2:
                var shard = (int)(status.EnvSteps % Cluster.Shards);
                Cluster.Redis(FathomNetnsCluster.ShardHost(shard)).Kill();
                await Task.Delay(TimeSpan.FromSeconds(5));
                return $"SIGKILL replay shard {shard}, restarted from its append-only file 5 s later";
            case 3:
                var membership = Cluster.Redis(FathomNetnsCluster.MembershipHost);
                membership.Signal(HostProcess.SigStop);
                try { await Task.Delay(TimeSpan.FromSeconds(10)); }
                finally { membership.Signal(HostProcess.SigCont); }
                return "SIGSTOP membership Redis for 10 s";
            case 4:
                var cut = random.Next(roles.Length);
                Cluster.Hosts.SetLink(Cluster.SiloHost(cut), up: false);
                try { await Task.Delay(TimeSpan.FromSeconds(10)); }
                finally { Cluster.Hosts.SetLink(Cluster.SiloHost(cut), up: true); }
                return $"link of silo {cut} ({roles[cut]}) cut for 10 s{(Cluster.Silo(cut).HasExited ? ", and the silo left the cluster" : "")}";
            default:
                var host = status.Silo.Length > 0 ? fixture.SiloIndexOf(status.Silo) : 0;
                Cluster.Silo(host).Kill();
                return $"SIGKILL silo {host} ({roles[host]}) of the experiment grain";
        }
    }

    readonly Random random = new(11);

    /// <summary>
    /// Per process that lived at least <paramref name="minSeconds"/>: its median memory in the second quarter of its life
    /// (after warm-up) and in the last quarter.
    /// </summary>
    static List<(string Process, int Pid, double Seconds, double Early, double Late)> Growth(List<(double Seconds, string Process, int Pid, long Bytes)> memory, double minSeconds) =>
        memory.GroupBy(m => (m.Process, m.Pid))
            .Select(g => g.OrderBy(m => m.Seconds).ToArray())
            .Where(s => s[^1].Seconds - s[0].Seconds >= minSeconds)
            .Select(s =>
            {
                var q = s.Length / 4;
                return (s[0].Process, s[0].Pid, s[^1].Seconds - s[0].Seconds,
                    Median(s[q..(2 * q)].Select(m => (double)m.Bytes)), Median(s[(3 * q)..].Select(m => (double)m.Bytes)));
            }).ToList();

    static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    /// <summary>memory.csv (seconds, process, pid, MB), faults.csv and memory.png: one line per process incarnation, faults marked.</summary>
    static void Write(string folder, List<(double Seconds, string Process, int Pid, long Bytes)> memory, List<(double Seconds, string Fault, double RecoverySeconds)> faults)
    {
        File.WriteAllLines(Path.Combine(folder, "memory.csv"),
            memory.Select(m => string.Create(CultureInfo.InvariantCulture, $"{m.Seconds:F1},{m.Process},{m.Pid},{m.Bytes / 1e6:F1}")).Prepend("seconds,process,pid,resident_mb"));
        File.WriteAllLines(Path.Combine(folder, "faults.csv"),
            faults.Select(f => string.Create(CultureInfo.InvariantCulture, $"{f.Seconds:F0},\"{f.Fault}\",{f.RecoverySeconds:F0}")).Prepend("seconds,fault,recovery_s"));
        using var plot = new Plot();
        foreach (var process in memory.GroupBy(m => m.Process).OrderBy(g => g.Key))
        {
            var color = plot.Add.Palette.GetColor(plot.GetPlottables().Count());
            var first = true;
            foreach (var life in process.GroupBy(m => m.Pid))
            {
                var points = life.OrderBy(m => m.Seconds).ToArray();
                var line = plot.Add.ScatterLine(points.Select(m => m.Seconds / 60).ToArray(), points.Select(m => m.Bytes / 1e6).ToArray());
                line.Color = color;
                line.LineWidth = 2;
                if (first) line.LegendText = process.Key;
                first = false;
            }
        }
        foreach (var fault in faults)
        {
            var mark = plot.Add.VerticalLine(fault.Seconds / 60);
            mark.Color = Colors.Gray.WithAlpha(0.5);
            mark.LinePattern = LinePattern.Dotted;
        }
        plot.Title("Resident memory per process during the soak (dotted: faults)");
        plot.XLabel("minutes");
        plot.YLabel("resident memory (MB)");
        plot.ShowLegend(Alignment.UpperLeft);
        plot.SavePng(Path.Combine(folder, "memory.png"), 1000, 560);
    }
}
