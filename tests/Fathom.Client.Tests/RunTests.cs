using System.Text.Json;
using Fathom.Client.Plots;
using Fathom.Client.Results;
using Fathom.Grains.Specs;
using Fathom.Learner;

namespace Fathom.Client.Tests;

/// <summary>`fathom run` and `fathom resume` end to end: a co-hosted silo, embedded Garnet, real learners and collectors.</summary>
public class RunTests
{
    static readonly TimeSpan RunTimeout = TimeSpan.FromMinutes(3);

    [Fact]
    public async Task Run_TinySpec_WritesSpecCsvsAndPlots()
    {
        var (folder, path) = TinySpec.Write("tiny", 6000);

        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, RunTimeout, "run", path, "--run", "t1");

        Assert.True(code == 0, $"exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        var run = new RunFolder(Path.Combine(folder, "results", "t1"));
        var spec = SpecLoader.LoadFile(run.Spec);
        Assert.Equal(6000, spec.BudgetEnvSteps);
        Assert.Equal(["deep", "shallow"], spec.Learners.Select(l => l.Name));

        Assert.Equal(EvalCsv.Columns, CsvTable.Read(run.Eval).Columns);
        var evals = EvalCsv.Read(run.Eval);
        Assert.Single(evals, p => p.Role == "random");
        foreach (var learner in new[] { "deep", "shallow" })
        {
            var curve = evals.Where(p => p.Learner == learner).ToList();
            Assert.NotEmpty(curve);
            Assert.All(curve, p => Assert.InRange(p.TimeAtGoal, 0, 20));
            Assert.All(curve, p => Assert.InRange(p.SuccessAny, 0, 1));
            Assert.All(curve, p => Assert.InRange(p.EnvSteps, 0, 6000 + 1000));
            Assert.All(curve, p => Assert.True(p.FinalDistanceSe is >= 0 and < 10, $"final distance s.e. {p.FinalDistanceSe}"));
        }
        Assert.True(evals.Single(p => p.Role == "random").FinalDistanceSe > 0);
        Assert.Equal(8, evals.First(p => p.Learner == "deep").Depth);

        Assert.Equal(MetricsCsv.Columns, CsvTable.Read(run.Metrics).Columns);
        var metrics = MetricsCsv.Read(run.Metrics);
        Assert.Contains(metrics, m => m.Learner == "deep");
        Assert.Contains(metrics, m => m.Learner == "shallow");
        Assert.True(metrics.Max(m => m.EnvSteps) >= 6000, $"last metrics row at {metrics.Max(m => m.EnvSteps)} env steps");

        Assert.Equal((EvalCurvesPlot.Width, EvalCurvesPlot.Height), Png.Size(Path.Combine(run.Path, EvalCurvesPlot.TimeAtGoal.FileName)));
        Assert.Equal(TopologyCsv.Columns, CsvTable.Read(run.Topology).Columns);
        var cells = TopologyCsv.Read(run.Topology);
        Assert.Equal(["deep", "shallow"], cells.Select(c => c.Learner).Distinct().Order());
        Assert.Contains(cells, c => c.Wall);
        Assert.Contains(cells, c => !c.Wall && double.IsFinite(c.Q));
        Assert.Equal((TopologyPlot.Width, TopologyPlot.Height), Png.Size(Path.Combine(run.Path, TopologyPlot.FileName)));
        Assert.Matches(@"final distance \d+\.\d\d ± \d+\.\d\d\) vs random .*final distance \d+\.\d\d ± \d+\.\d\d\)", stdout);
        Assert.False(Directory.Exists(run.Checkpoint), "a finished run keeps no checkpoint to resume");
    }

    [Fact]
    public async Task Sweep_OfSeedsOnly_KeepsEveryLearnersDepth_AndAveragesTheCurvesOverSeeds()
    {
        var (folder, path) = TinySpec.Write("tiny", 3000);

        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, RunTimeout * 2, "sweep", "--depths", "spec", "--seeds", "2", "--run", "sw", path);

        Assert.True(code == 0, $"exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        var sweep = new RunFolder(Path.Combine(folder, "results", "sw"));
        foreach (var (seed, run) in new[] { (3, "s0"), (4, "s1") })
        {
            var spec = SpecLoader.LoadFile(Path.Combine(sweep.Path, run, RunFolder.SpecFileName));
            Assert.Equal(seed, spec.Seed);
            Assert.Equal([8, 4], spec.Learners.Select(l => l.Critic.Depth)); // the spec's depths, not a swept one
        }
        var runs = SweepCsv.ReadRuns(sweep.SweepRuns);
        Assert.Equal(["s0", "s1"], runs.Select(r => r.Run));
        Assert.All(runs, r => Assert.Equal(8, r.Depth));
        var curves = SeedCurves.Read(sweep.Curves);
        Assert.Equal(["deep", "shallow"], curves.Select(p => p.Learner).Distinct().Order());
        Assert.All(curves, p => Assert.Equal(2, p.Seeds));
        Assert.True(File.Exists(Path.Combine(sweep.Path, SeedCurvesPlot.FileName)));
    }

    [Fact]
    public async Task Sweep_OfVariants_BuildsEveryLearnerSo_InAFolderAndReplayEach_AndLabelsTheCurves()
    {
        var (folder, path) = TinySpec.Write("tiny", 3000);

        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, RunTimeout * 2, "sweep", "--depths", "spec", "--seeds", "1", "--variants", "no_residual,full", "--run", "va", path);

        Assert.True(code == 0, $"exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        var root = new RunFolder(Path.Combine(folder, "results", "va"));
        foreach (var (variant, residual) in new[] { ("full", true), ("no_residual", false) })
        {
            var sweep = new RunFolder(Path.Combine(root.Path, variant));
            var spec = SpecLoader.LoadFile(Path.Combine(sweep.Path, "s0", RunFolder.SpecFileName));
            Assert.All(spec.Learners, l => Assert.Equal(new AblationSpec(LayerNorm: true, Swish: true, Residual: residual), l.Ablations));
            Assert.Equal(["s0"], SweepCsv.ReadRuns(sweep.SweepRuns).Select(r => r.Run));
            Assert.Contains($"sweep va.{variant}: run s0", stdout); // a run, and so a replay, of its own in the cluster
        }
        var curves = SeedCurves.Read(root.Curves);
        Assert.Equal(["full", "no_residual"], curves.Select(p => p.Group).Distinct().Order());
        Assert.Equal(["full", "no_residual"], LearnerFinals.Read(Path.Combine(root.Path, LearnerFinals.FileName)).Select(f => f.Group).Distinct().Order());
    }

    [Fact]
    public async Task Sweep_OfANameUsedBefore_KeepsItsFinishedRuns_SetsAsideUnfinishedOnes_AndRefusesAnotherSpec()
    {
        var (folder, path) = TinySpec.Write("tiny", 3000);
        var first = await FathomProcess.RunAsync(folder, RunTimeout, "sweep", "--depths", "spec", "--seeds", "1", "--run", "sw", path);
        Assert.True(first.ExitCode == 0, $"exit {first.ExitCode}\nstdout:\n{first.Stdout}\nstderr:\n{first.Stderr}");
        var sweep = new RunFolder(Path.Combine(folder, "results", "sw"));
        var s0Eval = File.ReadAllBytes(Path.Combine(sweep.Path, "s0", EvalCsv.FileName));
        // What a crashed second seed leaves: a folder with some of its files and no row in sweep-runs.csv.
        Directory.CreateDirectory(Path.Combine(sweep.Path, "s1"));
        File.WriteAllText(Path.Combine(sweep.Path, "s1", MetricsCsv.FileName), "left by a run that died\n");
        // A spec.yaml written by an earlier fathom whose comments differ still holds the same spec.
        var s0Spec = Path.Combine(sweep.Path, "s0", RunFolder.SpecFileName);
        File.WriteAllLines(s0Spec, File.ReadAllLines(s0Spec).Where(line => !line.TrimStart().StartsWith('#')));

        var second = await FathomProcess.RunAsync(folder, RunTimeout, "sweep", "--depths", "spec", "--seeds", "2", "--run", "sw", path);

        Assert.True(second.ExitCode == 0, $"exit {second.ExitCode}\nstdout:\n{second.Stdout}\nstderr:\n{second.Stderr}");
        Assert.Contains("run s0 finished in an earlier sweep of this name; kept", second.Stdout);
        Assert.DoesNotContain("sweep sw: run s0 (", second.Stdout); // not run again
        Assert.Equal(s0Eval, File.ReadAllBytes(Path.Combine(sweep.Path, "s0", EvalCsv.FileName)));
        Assert.Equal("left by a run that died\n", File.ReadAllText(Path.Combine(sweep.Path, "s1.unfinished-1", MetricsCsv.FileName)));
        Assert.Equal(4, SpecLoader.LoadFile(Path.Combine(sweep.Path, "s1", RunFolder.SpecFileName)).Seed);
        Assert.Equal(["s0", "s1"], SweepCsv.ReadRuns(sweep.SweepRuns).Select(r => r.Run));
        Assert.All(SeedCurves.Read(sweep.Curves), p => Assert.Equal(2, p.Seeds));

        // The same name with another spec would mix runs of two experiments: refused before anything runs, nothing touched.
        var runsBefore = File.ReadAllText(sweep.SweepRuns);
        File.WriteAllText(path, TinySpec.Yaml(4000));
        var third = await FathomProcess.RunAsync(folder, RunTimeout, "sweep", "--depths", "spec", "--seeds", "3", "--run", "sw", path);
        Assert.True(third.ExitCode == 2, $"exit {third.ExitCode}\nstdout:\n{third.Stdout}\nstderr:\n{third.Stderr}");
        Assert.Contains("fathom: --run: run s0 of the earlier sweep 'sw' was made from another spec", third.Stderr);
        Assert.Equal(runsBefore, File.ReadAllText(sweep.SweepRuns));
        Assert.False(Directory.Exists(Path.Combine(sweep.Path, "s2")));
    }

    [Fact]
    public async Task Sweep_NamedAfterARun_IsRefusedAndLeavesTheRunAlone()
    {
        var (folder, path) = TinySpec.Write("tiny", 3000);
        var run = Directory.CreateDirectory(Path.Combine(folder, "results", "r1")).FullName;
        File.WriteAllText(Path.Combine(run, RunFolder.SpecFileName), TinySpec.Yaml(3000));

        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, RunTimeout, "sweep", "--depths", "spec", "--seeds", "1", "--run", "r1", path);

        Assert.True(code == 2, $"exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("fathom: --run: 'r1' is a run, not a sweep", stderr);
        Assert.Equal([RunFolder.SpecFileName], Directory.GetFileSystemEntries(run).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Run_AskingForADeviceTheSiloLacks_FailsAtStartWithTheNamedError()
    {
        // The co-hosted silo asks its libtorch: with the CPU package there is no CUDA; with GPUs, one past the last is missing.
        var here = TorchDevices.Detect();
        var missing = here.CudaDeviceCount == 0 ? "cuda" : $"cuda:{here.CudaDeviceCount}";
        var folder = ScratchFolder.Create("fathom-run");
        var path = Path.Combine(folder, "gpu.yaml");
        File.WriteAllText(path, TinySpec.Yaml(3000).Replace("    role: passive\n", $"    role: passive\n    device: {missing}\n"));

        var (code, stdout, stderr) = await FathomProcess.RunAsync(folder, RunTimeout, "run", path, "--run", "d1");

        Assert.True(code == 2, $"exit {code}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains($"fathom: run d1 not started: learners[1].device: {missing} is not available on silo ", stderr);
        Assert.Contains($"(available: {string.Join(", ", here.Available)})", stderr);
        Assert.DoesNotContain("   at ", stderr); // a message, not a stack trace
        Assert.DoesNotContain("Exception", stderr);
    }

    [Fact]
    public async Task Interrupt_StopsWithCheckpoint_AndResumeContinuesUpdateCount()
    {
        var (folder, path) = TinySpec.Write("long", 8000);
        var run = new RunFolder(Path.Combine(folder, "results", "t2"));

        using (var fathom = FathomProcess.Start(folder, "run", path, "--run", "t2"))
        {
            // Wait until both learners have trained past a checkpoint period, then interrupt while the run goes on.
            var deadline = DateTime.UtcNow + RunTimeout;
            while (!TinySpec.BothEvaluatedPast(run.Eval, 40))
            {
                Assert.True(DateTime.UtcNow < deadline && !fathom.HasExited, $"no training progress while running\nstdout:\n{fathom.Stdout}\nstderr:\n{fathom.Stderr}");
                await Task.Delay(200);
            }
            var interruptedAt = DateTime.UtcNow;
            fathom.Interrupt();
            var code = await fathom.WaitForExitAsync(TimeSpan.FromSeconds(60));
            var took = DateTime.UtcNow - interruptedAt;
            Assert.True(code == 130, $"exit {code}\nstdout:\n{fathom.Stdout}\nstderr:\n{fathom.Stderr}");
            Assert.Contains("fathom: stopping", fathom.Stderr);
            Assert.True(took < TimeSpan.FromSeconds(15), $"stopping took {took}");
            Assert.Contains("fathom resume t2", fathom.Stdout);
        }

        var resume = JsonDocument.Parse(File.ReadAllText(Path.Combine(run.Checkpoint, "resume.json"))).RootElement;
        var stoppedAt = resume.GetProperty("EnvSteps").GetInt64();
        var updates = resume.GetProperty("Updates");
        var deepUpdates = updates.GetProperty("deep").GetInt64();
        Assert.True(deepUpdates >= 20, $"deep checkpointed at {deepUpdates} updates");
        Assert.True(stoppedAt is > 0 and < 8000, $"stopped at {stoppedAt} env steps");
        Assert.True(File.Exists(Path.Combine(run.Checkpoint, "deep.ckpt")));
        var evalsBefore = EvalCsv.Read(run.Eval).Count(p => p.Role != "random");

        var (resumeCode, stdout, stderr) = await FathomProcess.RunAsync(folder, RunTimeout, "resume", "t2");

        Assert.True(resumeCode == 0, $"exit {resumeCode}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains($"deep at {deepUpdates:N0} updates", stdout);
        var evals = EvalCsv.Read(run.Eval);
        var deep = evals.Where(p => p.Learner == "deep").ToList();
        Assert.True(evals.Count(p => p.Role != "random") > evalsBefore, "the resumed segment added evaluations");
        // The resumed learner carried on counting: its evaluations after the stop start above the checkpoint.
        var afterStop = deep.Where(p => p.EnvSteps > stoppedAt).ToList();
        Assert.NotEmpty(afterStop);
        Assert.All(afterStop, p => Assert.True(p.Updates > deepUpdates, $"evaluation at {p.Updates} updates after resuming from {deepUpdates}"));
        var metrics = MetricsCsv.Read(run.Metrics);
        Assert.True(metrics.Max(m => m.EnvSteps) >= 8000, $"resumed run reached {metrics.Max(m => m.EnvSteps)} env steps");
        Assert.False(Directory.Exists(run.Checkpoint), "the finished run dropped its checkpoint");
    }

    [Fact]
    public async Task KilledRun_KeepsTheEvaluationsItHadMade()
    {
        var (folder, path) = TinySpec.Write("killed", 50_000);
        var run = new RunFolder(Path.Combine(folder, "results", "k1"));

        using (var fathom = FathomProcess.Start(folder, "run", path, "--run", "k1"))
        {
            // Wait, while the run is still going, for eval.csv to hold a learner's evaluation; then kill it outright.
            var deadline = DateTime.UtcNow + RunTimeout;
            while (!HasLearnerEvaluation(run.Eval))
            {
                Assert.False(fathom.HasExited, $"the run ended before an evaluation reached eval.csv\nstdout:\n{fathom.Stdout}\nstderr:\n{fathom.Stderr}");
                Assert.True(DateTime.UtcNow < deadline, $"no evaluation in eval.csv while running\nstdout:\n{fathom.Stdout}\nstderr:\n{fathom.Stderr}");
                await Task.Delay(250);
            }
        } // disposing kills the process tree: no final write happens

        var evals = EvalCsv.Read(run.Eval);
        Assert.Single(evals, p => p.Role == "random");
        var learned = evals.Where(p => p.Role != "random").ToList();
        Assert.NotEmpty(learned);
        // A learner evaluates first at 0 updates, so on a loaded machine the kill may come when only those are in.
        Assert.All(learned, p => Assert.True(p.EnvSteps < 50_000, $"{p.Learner} at {p.Updates} updates, {p.EnvSteps} env steps"));
        Assert.Equal(learned.Count, learned.DistinctBy(p => (p.Learner, p.Updates)).Count());
    }

    static bool HasLearnerEvaluation(string evalPath)
    {
        if (!File.Exists(evalPath)) return false;
        try { return EvalCsv.Read(evalPath).Any(p => p.Role != "random"); }
        catch (IOException) { return false; }
    }
}
