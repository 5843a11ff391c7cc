using System.CommandLine;
using Fathom.Client.Plots;
using Fathom.Client.Results;
using Fathom.Client.Running;
using Fathom.Grains.Specs;

namespace Fathom.Client.Commands;

/// <summary>
/// <c>fathom sweep --depths 4,8,16,32,64 --seeds 3 &lt;spec&gt;</c>: runs the spec once per depth and seed (every
/// network at that depth; seeds spec.seed, spec.seed+1, ...), each as a run folder inside one sweep folder, and
/// keeps sweep-runs.csv, summary.csv and the depth plot up to date after every run.
/// </summary>
public static class SweepCommand
{
    public static Command Create()
    {
        var spec = new Argument<string>("spec") { Description = "a preset name or spec file; every learner's actor and critic get the swept depth" };
        var depths = new Option<string>("--depths") { Description = "comma-separated depths, each a positive multiple of 4", DefaultValueFactory = _ => "4,8,16,32,64" };
        var seeds = new Option<int>("--seeds") { Description = "seeds per depth (standard errors need at least 2)", DefaultValueFactory = _ => 3 };
        var cluster = CommonOptions.Cluster();
        var state = CommonOptions.State();
        var results = CommonOptions.Results();
        var run = CommonOptions.RunName();
        var command = new Command("sweep", "Run a spec at several depths and seeds; summarise final time at goal against depth") { spec, depths, seeds, cluster, state, results, run };
        command.SetAction(async (parse, cancel) =>
        {
            int[] depthList;
            try { depthList = SpecOverrides.ParseDepths(parse.GetRequiredValue(depths)); }
            catch (ArgumentException e) { await Console.Error.WriteLineAsync($"fathom: {e.Message}"); return CommonOptions.BadInput; }
            var seedCount = parse.GetValue(seeds);
            if (seedCount < 1) { await Console.Error.WriteLineAsync($"fathom: --seeds: must be a positive integer (got {seedCount})"); return CommonOptions.BadInput; }
            var specArg = parse.GetRequiredValue(spec);
            if (CommonOptions.LoadSpec(specArg) is not { } baseSpec) return CommonOptions.BadInput;
            if (!IsValidAtEveryDepth(baseSpec, depthList, seedCount)) return CommonOptions.BadInput;
            if (CommonOptions.RunNameOrDefault(parse.GetValue(run), "sweep-" + Path.GetFileNameWithoutExtension(specArg)) is not { } name) return CommonOptions.BadInput;
            if (!CommonOptions.IsRunName(RunKey(name, depthList.Max(), seedCount - 1), "--run (as its longest sweep run)")) return CommonOptions.BadInput;

            if (CommonOptions.Target(parse.GetValue(cluster), parse.GetValue(state)) is not { } target) return CommonOptions.BadInput;
            if (!CommonOptions.CanWriteResults(parse.GetRequiredValue(results))) return CommonOptions.BadInput;
            var sweep = RunFolder.Create(parse.GetRequiredValue(results), name);
            await using var connection = await CommonOptions.Connect(target, cancel);
            if (connection is null)
            {
                sweep.Discard(); // nothing ran: the name stays free
                return CommonOptions.Unreachable;
            }
            Console.WriteLine($"sweep {name}: depths {string.Join(",", depthList)} x {seedCount} seeds, {connection.Description}, results in {sweep.Path}");
            var scored = new List<SweepRun>();
            foreach (var depth in depthList)
                for (var s = 0; s < seedCount; s++)
                {
                    var runName = RunFolderName(depth, s);
                    var runSpec = SpecOverrides.WithDepthAndSeed(baseSpec, depth, baseSpec.Seed + s);
                    var folder = RunFolder.Create(sweep.Path, runName);
                    await File.WriteAllTextAsync(folder.Spec, SpecWriter.Write(runSpec), cancel);
                    Console.WriteLine($"sweep {name}: run {runName} (depth {depth}, seed {runSpec.Seed})");
                    var outcome = await new ExperimentRunner(connection, folder, runSpec, Console.Out, RunKey(name, depth, s)).RunAsync(null, Interrupt.Token);
                    if (File.Exists(folder.Eval)) scored.Add(SweepCsv.Score(depth, runSpec.Seed, runName, EvalCsv.Read(folder.Eval)));
                    SweepCsv.WriteRuns(sweep.SweepRuns, scored);
                    SweepCsv.WriteSummary(sweep.SweepSummary, SweepCsv.Summarise(scored));
                    if (outcome != RunOutcome.Finished)
                    {
                        Report.Draw(sweep);
                        return (int)outcome;
                    }
                }
            foreach (var png in Report.Draw(sweep).Where(p => Path.GetDirectoryName(p) == sweep.Path)) Console.WriteLine($"wrote {png}");
            return 0;
        });
        return command;
    }

    /// <summary>
    /// Checks the spec of every depth by the loader's rules (<see cref="SpecValidator"/>) before anything starts, so that
    /// --depths is held to the depths a spec may give (and the last seed to the seeds); prints the errors of each depth that fails.
    /// </summary>
    static bool IsValidAtEveryDepth(ExperimentSpec spec, int[] depths, int seedCount)
    {
        var ok = true;
        foreach (var depth in depths)
        {
            var errors = SpecValidator.Validate(SpecOverrides.WithDepthAndSeed(spec, depth, unchecked(spec.Seed + seedCount - 1)));
            if (errors.Count == 0) continue;
            Console.Error.WriteLine($"fathom: --depths: depth {depth} makes an invalid spec:\n  {string.Join("\n  ", errors)}");
            ok = false;
        }
        return ok;
    }

    /// <summary>The folder of one run inside the sweep's folder.</summary>
    static string RunFolderName(int depth, int seedIndex) => $"d{depth}-s{seedIndex}";

    /// <summary>The cluster's name of one run of sweep <paramref name="sweep"/>: the sweep's name prefixes it, so runs never collide.</summary>
    static string RunKey(string sweep, int depth, int seedIndex) => $"{sweep}.{RunFolderName(depth, seedIndex)}";
}
