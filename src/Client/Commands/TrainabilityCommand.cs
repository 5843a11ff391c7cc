using System.CommandLine;
using System.Globalization;
using Fathom.Client.Plots;
using Fathom.Client.Results;
using Fathom.Client.Running;
using Fathom.Learner;
using Fathom.Learner.Evaluation;

namespace Fathom.Client.Commands;

/// <summary>
/// <c>fathom trainability</c>: the title's claim on this machine. Trains a CRL agent with a 1,024-layer critic and a
/// 512-layer actor (by default) for 1,000 updates with the residual connections on, then the same with them off
/// (<see cref="TrainabilityProbe"/>), in this process with no cluster; writes trainability.csv and trainability.png
/// and says whether each setting trained: every update finite and the critic's accuracy above chance.
/// </summary>
public static class TrainabilityCommand
{
    private const int DefaultThreads = 0;

    public static Command Create()
    {
        var defaults = new TrainabilitySettings();
        var criticDepth = new Option<int>("--critic-depth") { Description = "Dense layers in each critic encoder's residual blocks, a multiple of 4", DefaultValueFactory = _ => defaults.CriticDepth };
        var actorDepth = new Option<int>("--actor-depth") { Description = "Dense layers in the actor's residual blocks, a multiple of 4", DefaultValueFactory = _ => defaults.ActorDepth };
        var width = new Option<int>("--width") { Description = "hidden width of every network (the paper's is 256; 64 keeps 1,000 updates of 1,024 layers within about half an hour on 2 cores)", DefaultValueFactory = _ => defaults.Width };
        var batch = new Option<int>("--batch") { Description = "rows per update, each from its own episode", DefaultValueFactory = _ => defaults.Batch };
        var updates = new Option<int>("--updates") { Description = "updates per residual setting", DefaultValueFactory = _ => defaults.Updates };
        var residual = new Option<string>("--residual") { Description = "which settings to train: both (on, then off), on or off", DefaultValueFactory = _ => "both" };
        var seed = new Option<long>("--seed") { Description = "seed of the episodes, the weights and the batches", DefaultValueFactory = _ => defaults.Seed };
        var results = CommonOptions.Results();
        var run = CommonOptions.RunName();
        var command = new Command("trainability", "Train a 1,024-layer CRL critic for 1,000 updates with and without residual connections; plot gradient norms and accuracy")
            { criticDepth, actorDepth, width, batch, updates, residual, seed, results, run };
        command.SetAction(parse =>
        {
            var settings = defaults with
            {
                CriticDepth = parse.GetValue(criticDepth), ActorDepth = parse.GetValue(actorDepth), Width = parse.GetValue(width),
                Batch = parse.GetValue(batch), Updates = parse.GetValue(updates), Seed = parse.GetValue(seed),
                Episodes = Math.Max(defaults.Episodes, parse.GetValue(batch)),
            };
            try { settings.Validate(); }
            catch (ArgumentOutOfRangeException e) { Console.Error.WriteLine($"fathom: trainability: --{e.ParamName}: {CommonOptions.FirstLine(e, 300)}"); return CommonOptions.BadInput; }
            bool[]? residuals = parse.GetRequiredValue(residual) switch { "both" => [true, false], "on" => [true], "off" => [false], _ => null };
            if (residuals is null)
            {
                Console.Error.WriteLine($"fathom: trainability: --residual must be both, on or off; got '{parse.GetRequiredValue(residual)}'");
                return CommonOptions.BadInput;
            }
            if (CommonOptions.RunNameOrDefault(parse.GetValue(run), "trainability") is not { } name) return CommonOptions.BadInput;
            if (!CommonOptions.CanWriteResults(parse.GetRequiredValue(results))) return CommonOptions.BadInput;
            var folder = RunFolder.Create(parse.GetRequiredValue(results), name);
            var csv = Path.Combine(folder.Path, TrainabilityCsv.FileName);
            if (File.Exists(csv))
            {
                Console.Error.WriteLine($"fathom: trainability: {csv} exists; give another --run so nothing measured is overwritten");
                return CommonOptions.BadInput;
            }
            TorchSetup.Configure(DefaultThreads);
            Console.WriteLine($"trainability {name}: critic depth {settings.CriticDepth}, actor depth {settings.ActorDepth}, width {settings.Width}, " +
                              $"batch {settings.Batch}, {settings.Updates} updates, residual {parse.GetRequiredValue(residual)}, seed {settings.Seed}; results in {folder.Path}");
            var cancel = Interrupt.Token;
            var outcomes = new List<string>();
            foreach (var on in residuals)
            {
                var rows = new List<TrainabilityRow>();
                var pending = new List<TrainabilityRow>();
                foreach (var row in TrainabilityProbe.Run(settings with { Residual = on }))
                {
                    rows.Add(row);
                    pending.Add(row);
                    if (row.Update % 10 == 0 || row.Update == settings.Updates || cancel.IsCancellationRequested)
                    {
                        TrainabilityCsv.Append(csv, pending);
                        pending.Clear();
                        Console.WriteLine(Progress(row, settings.Updates));
                    }
                    if (cancel.IsCancellationRequested) break;
                }
                outcomes.Add(Verdict(rows, settings.Batch));
                Console.WriteLine(outcomes[^1]);
                if (cancel.IsCancellationRequested) break;
            }
            var all = TrainabilityCsv.Read(csv);
            if (all.Count > 0)
            {
                var png = Path.Combine(folder.Path, TrainabilityPlot.FileName);
                TrainabilityPlot.Save(all, PlotTitle(settings), png);
                Console.WriteLine($"wrote {csv} and {png}");
            }
            return cancel.IsCancellationRequested ? Interrupt.ExitCode : 0;
        });
        return command;
    }

    /// <summary>The plot's title from the settings of the run (report redraws without them, from the CSV).</summary>
    public static string PlotTitle(TrainabilitySettings s) => $"critic depth {s.CriticDepth}, actor depth {s.ActorDepth}, width {s.Width}, batch {s.Batch}";

    private static string Progress(TrainabilityRow r, int updates) => string.Create(CultureInfo.InvariantCulture,
        $"residual {(r.Residual ? "on" : "off")}: update {r.Update}/{updates}, loss {r.CriticLoss:F3}, accuracy {r.Accuracy:F3}, " +
        $"|grad| first layer critic {r.CriticFirstLayerGradient:G3} actor {r.ActorFirstLayerGradient:G3}, " +
        $"{(double.IsNaN(r.PhiNorm) ? "" : $"|phi| {r.PhiNorm:F2}, ")}{r.Seconds / r.Update:F2} s/update");

    /// <summary>
    /// Whether a setting trained: no update skipped as non-finite and the mean accuracy of the last tenth of the updates
    /// at least twice chance (1 / batch) and above that of the first tenth.
    /// </summary>
    public static string Verdict(IReadOnlyList<TrainabilityRow> rows, int batch)
    {
        if (rows.Count == 0) return "no update was made";
        int tenth = Math.Max(1, rows.Count / 10);
        double first = rows.Take(tenth).Average(r => r.Accuracy), last = rows.TakeLast(tenth).Average(r => r.Accuracy);
        int skipped = rows.Count(r => r.Skipped);
        double chance = 1.0 / batch;
        bool trained = skipped == 0 && last >= 2 * chance && last > first;
        return string.Create(CultureInfo.InvariantCulture,
            $"residual {(rows[0].Residual ? "on" : "off")}: {(trained ? "trained" : "did not train")}: {rows.Count} updates, {skipped} not finite, " +
            $"accuracy {first:F3} over the first tenth -> {last:F3} over the last (chance {chance:F3}), " +
            $"median |grad| at the critic's first layer {Median(rows.Select(r => r.CriticFirstLayerGradient)):G3}, {rows[^1].Seconds:F0} s");
    }

    private static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length == 0 ? double.NaN : sorted[sorted.Length / 2];
    }
}
