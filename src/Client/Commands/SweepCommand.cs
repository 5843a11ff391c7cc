using System.CommandLine;
using Fathom.Client.Plots;
using Fathom.Client.Results;
using Fathom.Client.Running;
using Fathom.Grains.Specs;
using Fathom.Learner.Crl;
using Fathom.Learner.Nets;

namespace Fathom.Client.Commands;

/// <summary>
/// <c>fathom sweep --depths 4,8,16,32,64 --seeds 3 &lt;spec&gt;</c>: runs the spec once per depth and seed (every
/// network at that depth; seeds spec.seed, spec.seed+1, ...), each as a run folder inside one sweep folder, and
/// keeps sweep-runs.csv, summary.csv and the depth plot up to date after every run. With
/// <c>--algorithms crl,sac</c> it does that once per algorithm (every learner trains it), each in a folder of the
/// sweep named after the algorithm with its own summary and depth plot, so CRL and the TD baselines meet at the same
/// depths, seeds and env steps. <c>--variants full,relu</c> does the same per network variant of the paper's ablations
/// (every learner built so), each variant with a replay of its own. <c>--depths spec</c> sweeps seeds only, every learner keeping its depths (the
/// collector-vs-learner runs). Every sweep folder keeps curves.csv and curves.png: each learner's time at goal against
/// env steps, mean and standard error over seeds (the root of an --algorithms or --variants sweep: every group's).
/// Run again with the same name, a sweep goes on: runs it finished with the same specs are kept (so more seeds or depths
/// can be added later), and the folder of a run it did not finish is set aside as &lt;run&gt;.unfinished-N and the run redone.
/// </summary>
public static class SweepCommand
{
    public static Command Create()
    {
        var spec = new Argument<string>("spec") { Description = "a preset name or spec file; every learner's actor and critic get the swept depth" };
        var depths = new Option<string>("--depths") { Description = $"comma-separated depths, each a positive multiple of 4; '{KeepDepths}' keeps each learner's depths and sweeps seeds only", DefaultValueFactory = _ => "4,8,16,32,64" };
        var seeds = new Option<int>("--seeds") { Description = "seeds per depth (standard errors need at least 2)", DefaultValueFactory = _ => 3 };
        var algorithms = new Option<string?>("--algorithms") { Description = $"comma-separated algorithms ({SpecNames.Algorithm.Allowed}), each swept in its own folder with every learner set to it; left out, each learner keeps its own" };
        var variants = new Option<string?>("--variants") { Description = $"comma-separated network variants ({string.Join(", ", Variants.Keys)}), each swept in its own folder with every learner built so; left out, each learner keeps its own" };
        var cluster = CommonOptions.Cluster();
        var state = CommonOptions.State();
        var results = CommonOptions.Results();
        var run = CommonOptions.RunName();
        var command = new Command("sweep", "Run a spec at several depths and seeds; summarise final time at goal against depth") { spec, depths, seeds, algorithms, variants, cluster, state, results, run };
        command.SetAction(async (parse, cancel) =>
        {
            int[]? depthList;
            try { depthList = parse.GetRequiredValue(depths) == KeepDepths ? null : SpecOverrides.ParseDepths(parse.GetRequiredValue(depths)); }
            catch (ArgumentException e) { await Console.Error.WriteLineAsync($"fathom: {e.Message}"); return CommonOptions.BadInput; }
            var seedCount = parse.GetValue(seeds);
            if (seedCount < 1) { await Console.Error.WriteLineAsync($"fathom: --seeds: must be a positive integer (got {seedCount})"); return CommonOptions.BadInput; }
            LearnerAlgorithm[]? algorithmList;
            string[]? variantList;
            try
            {
                algorithmList = ParseAlgorithms(parse.GetValue(algorithms));
                variantList = ParseVariants(parse.GetValue(variants));
                if (algorithmList is not null && variantList is not null)
                    throw new ArgumentException("--algorithms and --variants: give one of them (a sweep groups its runs by one)");
            }
            catch (ArgumentException e) { await Console.Error.WriteLineAsync($"fathom: {e.Message}"); return CommonOptions.BadInput; }
            var specArg = parse.GetRequiredValue(spec);
            if (CommonOptions.LoadSpec(specArg) is not { } loaded) return CommonOptions.BadInput;
            // One sweep per algorithm or variant, each in its own folder (its name), or one sweep of the spec as it is, in the sweep's folder.
            (string Folder, ExperimentSpec Spec)[] sweeps =
                algorithmList is not null ? [.. algorithmList.Select(a => (SpecNames.Algorithm.Name(a), WithAlgorithm(loaded, a)))]
                : variantList is not null ? [.. variantList.Select(v => (v, WithAblations(loaded, Variants[v])))]
                : [("", loaded)];
            var grouped = sweeps[0].Folder.Length > 0;
            if (!sweeps.All(one => IsValidAtEveryDepth(one.Spec, depthList, seedCount))) return CommonOptions.BadInput;
            var runDepths = depthList ?? [SpecDepth];
            if (CommonOptions.RunNameOrDefault(parse.GetValue(run), "sweep-" + Path.GetFileNameWithoutExtension(specArg)) is not { } name) return CommonOptions.BadInput;
            var longest = sweeps.MaxBy(one => one.Folder.Length).Folder;
            if (!CommonOptions.IsRunName(RunKey(Prefixed(name, longest), runDepths.Max(), seedCount - 1), "--run (as its longest sweep run)")) return CommonOptions.BadInput;

            if (CommonOptions.Target(parse.GetValue(cluster), parse.GetValue(state)) is not { } target) return CommonOptions.BadInput;
            if (!CommonOptions.CanWriteResults(parse.GetRequiredValue(results))) return CommonOptions.BadInput;
            // A sweep of a name used before goes on from it: its finished runs are kept when their specs are the ones asked for.
            var sweepPath = Path.GetFullPath(Path.Combine(parse.GetRequiredValue(results), name));
            var earlier = new List<SweepRun>[sweeps.Length];
            for (var i = 0; i < sweeps.Length; i++)
            {
                var planned = runDepths.SelectMany(depth => Enumerable.Range(0, seedCount).Select(s => (RunFolderName(depth, s), RunSpec(sweeps[i].Spec, depth, s)))).ToList();
                var path = sweeps[i].Folder.Length == 0 ? sweepPath : Path.Combine(sweepPath, sweeps[i].Folder);
                if (FinishedEarlier(path, name, planned) is not { } kept) return CommonOptions.BadInput;
                earlier[i] = kept;
            }
            var sweep = RunFolder.Create(parse.GetRequiredValue(results), name);
            await using var connection = await CommonOptions.Connect(target, cancel);
            if (connection is null)
            {
                sweep.Discard(); // nothing ran: the name stays free
                return CommonOptions.Unreachable;
            }
            Console.WriteLine($"sweep {name}: depths {(depthList is null ? "as in the spec" : string.Join(",", depthList))} x {seedCount} seeds{(grouped ? $" x {(algorithmList is null ? "variants" : "algorithms")} {string.Join(",", sweeps.Select(one => one.Folder))}" : "")}, {connection.Description}, results in {sweep.Path}");
            foreach (var ((folderName, baseSpec), scored) in sweeps.Zip(earlier))
            {
                var folder = folderName.Length == 0 ? sweep : RunFolder.Create(sweep.Path, folderName);
                var key = Prefixed(name, folderName);
                foreach (var depth in runDepths)
                    for (var s = 0; s < seedCount; s++)
                    {
                        var runName = RunFolderName(depth, s);
                        var runSpec = RunSpec(baseSpec, depth, s);
                        if (scored.Any(r => r.Run == runName))
                        {
                            Console.WriteLine($"sweep {key}: run {runName} finished in an earlier sweep of this name; kept");
                            continue;
                        }
                        var runKey = RunKey(key, depth, s);
                        if (SetAsideUnfinished(Path.Combine(folder.Path, runName)) is var (aside, attempt))
                        {
                            // Its cluster name may still hold the unfinished run (cluster stores outlive the client): a new one.
                            runKey = $"{runKey}.again{attempt}";
                            Console.WriteLine($"sweep {key}: run {runName} did not finish in an earlier sweep; its folder is now {aside}, and it runs again");
                            if (!CommonOptions.IsRunName(runKey, "--run (as the name of a run that runs again)")) return CommonOptions.BadInput;
                        }
                        var runFolder = RunFolder.Create(folder.Path, runName);
                        await File.WriteAllTextAsync(runFolder.Spec, SpecWriter.Write(runSpec), cancel);
                        Console.WriteLine($"sweep {key}: run {runName} ({(depth == SpecDepth ? "depths as in the spec" : $"depth {depth}")}, seed {runSpec.Seed})");
                        var outcome = await new ExperimentRunner(connection, runFolder, runSpec, Console.Out, runKey).RunAsync(null, Interrupt.Token);
                        // sweep-runs.csv lists finished runs only: a later sweep of the name keeps them and runs the others again.
                        if (outcome == RunOutcome.Finished && File.Exists(runFolder.Eval))
                            scored.Add(SweepCsv.Score(ScoredDepth(depth, runSpec), runSpec.Seed, runName, EvalCsv.Read(runFolder.Eval)));
                        scored.Sort((a, b) => (a.Depth, a.Seed).CompareTo((b.Depth, b.Seed)));
                        SweepCsv.WriteRuns(folder.SweepRuns, scored);
                        SweepCsv.WriteSummary(folder.SweepSummary, SweepCsv.Summarise(scored));
                        SeedCurves.WriteFor(folder);
                        if (folder != sweep) SeedCurves.WriteFor(sweep);
                        if (outcome != RunOutcome.Finished)
                        {
                            try { Report.Draw(sweep); }
                            catch (FileNotFoundException) { } // no run got as far as an evaluation: nothing to draw
                            return (int)outcome;
                        }
                    }
            }
            // The sweep's own plots and, for --algorithms or --variants, each group's; run folders' plots are drawn too but not listed.
            var depthOfSweep = grouped ? 1 : 0;
            foreach (var png in Report.Draw(sweep).Where(p => Path.GetRelativePath(sweep.Path, p).Count(c => c == Path.DirectorySeparatorChar) <= depthOfSweep))
                Console.WriteLine($"wrote {png}");
            foreach (var line in Report.Finals(sweep)) Console.WriteLine(line);
            return 0;
        });
        return command;
    }

    /// <summary>The spec of the run at <paramref name="depth"/> (or the spec's own depths) and seed index <paramref name="seedIndex"/>.</summary>
    static ExperimentSpec RunSpec(ExperimentSpec spec, int depth, int seedIndex) =>
        depth == SpecDepth ? spec with { Seed = spec.Seed + seedIndex } : SpecOverrides.WithDepthAndSeed(spec, depth, spec.Seed + seedIndex);

    /// <summary>
    /// The runs an earlier sweep in <paramref name="path"/> finished (its sweep-runs.csv), or none when there was none; null,
    /// with the reason printed, when the folder is not a sweep's or a finished run was made from another spec than
    /// <paramref name="planned"/> gives it (adding seeds or depths needs the same spec and options).
    /// </summary>
    internal static List<SweepRun>? FinishedEarlier(string path, string name, IReadOnlyList<(string Run, ExperimentSpec Spec)> planned)
    {
        var runsFile = Path.Combine(path, SweepCsv.RunsFileName);
        if (!File.Exists(runsFile))
        {
            if (!File.Exists(Path.Combine(path, RunFolder.SpecFileName))) return [];
            Console.Error.WriteLine($"fathom: --run: '{name}' is a run, not a sweep, in {path}; choose another --run");
            return null;
        }
        List<SweepRun> runs;
        try { runs = SweepCsv.ReadRuns(runsFile); }
        catch (FormatException e)
        {
            Console.Error.WriteLine($"fathom: --run: the earlier sweep '{name}' cannot be continued: {e.Message}; choose another --run");
            return null;
        }
        // A run stopped by Ctrl-C in a sweep before this rule was listed too; its checkpoint folder marks it unfinished.
        runs.RemoveAll(r => Directory.Exists(Path.Combine(path, r.Run, RunFolder.CheckpointFolderName)));
        foreach (var (run, spec) in planned)
        {
            if (runs.All(r => r.Run != run)) continue;
            var specFile = Path.Combine(path, run, RunFolder.SpecFileName);
            if (File.Exists(specFile) && SameSpec(File.ReadAllText(specFile), spec)) continue;
            Console.Error.WriteLine($"fathom: --run: run {run} of the earlier sweep '{name}' was made from another spec ({specFile}); " +
                "give the same spec and options to go on with it or add seeds, or choose another --run");
            return null;
        }
        return runs;
    }

    /// <summary>
    /// Whether a finished run's spec.yaml holds <paramref name="spec"/>: the same text, or text that reads back to it (a
    /// spec.yaml written by an earlier fathom whose comments differ, or by hand). One that no longer reads is another spec.
    /// </summary>
    static bool SameSpec(string written, ExperimentSpec spec)
    {
        var text = SpecWriter.Write(spec);
        if (written == text) return true;
        try { return SpecWriter.Write(SpecLoader.ParseYaml(written)) == text; }
        catch (SpecException) { return false; }
    }

    /// <summary>Moves the folder of a run that did not finish to &lt;run&gt;.unfinished-N (nothing is lost); returns where and N, or null if there was none.</summary>
    static (string Aside, int N)? SetAsideUnfinished(string runPath)
    {
        if (!Directory.Exists(runPath)) return null;
        for (var n = 1; ; n++)
        {
            var aside = $"{runPath}.unfinished-{n}";
            if (Directory.Exists(aside)) continue;
            Directory.Move(runPath, aside);
            return (aside, n);
        }
    }

    /// <summary>The --depths word that keeps every learner's depths from the spec (a seeds-only sweep).</summary>
    internal const string KeepDepths = "spec";

    /// <summary>Stands for the spec's own depths among the swept depths.</summary>
    const int SpecDepth = 0;

    /// <summary>The depth a run is scored at: the swept depth, or with the spec's depths its first behaviour learner's critic depth.</summary>
    static int ScoredDepth(int depth, ExperimentSpec spec) =>
        depth != SpecDepth ? depth : (spec.Learners.FirstOrDefault(l => l.Role == LearnerRole.Behaviour) ?? spec.Learners[0]).Critic.Depth;

    /// <summary>
    /// Checks the spec of every depth by the loader's rules (<see cref="SpecValidator"/>) before anything starts, so that
    /// --depths is held to the depths a spec may give (and the last seed to the seeds); prints the errors of each depth that fails.
    /// </summary>
    static bool IsValidAtEveryDepth(ExperimentSpec spec, int[]? depths, int seedCount)
    {
        if (depths is null)
        {
            var errors = SpecValidator.Validate(spec with { Seed = unchecked(spec.Seed + seedCount - 1) });
            foreach (var error in errors) Console.Error.WriteLine($"fathom: {error}");
            return errors.Count == 0;
        }
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

    /// <summary>Parses "crl,sac" into algorithms by their spec names; null when the option is left out.</summary>
    internal static LearnerAlgorithm[]? ParseAlgorithms(string? text)
    {
        if (text is null) return null;
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ArgumentException($"--algorithms: give at least one algorithm ({SpecNames.Algorithm.Allowed})");
        return parts.Select(p => SpecNames.Algorithm.TryParse(p, out var a)
            ? a
            : throw new ArgumentException($"--algorithms: '{p}' is not an algorithm (allowed: {SpecNames.Algorithm.Allowed})")).Distinct().ToArray();
    }

    /// <summary>The paper's network (CrlConfig.Defaults, as a spec that leaves out its ablations gets it).</summary>
    static readonly AblationSpec Full = new(CrlConfig.Defaults.LayerNorm, CrlConfig.Defaults.Activation == Activation.Swish, CrlConfig.Defaults.Residual);

    /// <summary>
    /// The network variants of the paper's ablations by their --variants names: the full network, and one switch off each.
    /// </summary>
    internal static readonly IReadOnlyDictionary<string, AblationSpec> Variants = new Dictionary<string, AblationSpec>
    {
        ["full"] = Full,
        ["no_layer_norm"] = Full with { LayerNorm = false },
        ["relu"] = Full with { Swish = false },
        ["no_residual"] = Full with { Residual = false },
    };

    /// <summary>Parses "full,relu" into variant names (in the order given, once each); null when the option is left out.</summary>
    internal static string[]? ParseVariants(string? text)
    {
        if (text is null) return null;
        var allowed = string.Join(", ", Variants.Keys);
        var parts = text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ArgumentException($"--variants: give at least one variant ({allowed})");
        foreach (var p in parts)
            if (!Variants.ContainsKey(p)) throw new ArgumentException($"--variants: '{p}' is not a network variant (allowed: {allowed})");
        return parts.Distinct().ToArray();
    }

    /// <summary>The spec with every learner's networks built as <paramref name="ablations"/> says.</summary>
    internal static ExperimentSpec WithAblations(ExperimentSpec spec, AblationSpec ablations) =>
        spec with { Learners = [.. spec.Learners.Select(l => l with { Ablations = ablations })] };

    /// <summary>The spec with every learner training <paramref name="algorithm"/>.</summary>
    static ExperimentSpec WithAlgorithm(ExperimentSpec spec, LearnerAlgorithm algorithm) =>
        spec with { Learners = [.. spec.Learners.Select(l => l with { Algorithm = algorithm })] };

    /// <summary>The cluster's name prefix of one algorithm's runs: the sweep's name, then the algorithm's folder.</summary>
    static string Prefixed(string sweep, string folder) => folder.Length == 0 ? sweep : $"{sweep}.{folder}";

    /// <summary>The folder of one run inside the sweep's folder.</summary>
    static string RunFolderName(int depth, int seedIndex) => depth == SpecDepth ? $"s{seedIndex}" : $"d{depth}-s{seedIndex}";

    /// <summary>The cluster's name of one run of sweep <paramref name="sweep"/>: the sweep's name prefixes it, so runs never collide.</summary>
    static string RunKey(string sweep, int depth, int seedIndex) => $"{sweep}.{RunFolderName(depth, seedIndex)}";
}
