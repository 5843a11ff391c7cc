using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Fathom.Grains.Specs;
using Fathom.Grains.Stores;
using Fathom.Grains.Workers;

namespace Fathom.Client.Commands;

/// <summary>
/// <c>fathom validate &lt;preset | spec&gt;</c>: the checks `fathom run` makes on a spec (the loader's, one home in
/// <see cref="SpecValidator"/>), then what the run would do, with sizes counted from the spec alone; nothing is
/// started and no file is written. Exit 0 when valid, <see cref="CommonOptions.BadInput"/> with run's error text when not.
/// </summary>
public static class ValidateCommand
{
    public static Command Create()
    {
        var spec = CommonOptions.Spec();
        var json = new Option<bool>("--json") { Description = "print the summary as one JSON object (snake_case keys)" };
        var command = new Command("validate", "Check a spec as `fathom run` does and say what the run would do, starting nothing") { spec, json };
        command.SetAction(parse =>
        {
            var specArg = parse.GetRequiredValue(spec);
            if (CommonOptions.LoadSpec(specArg) is not { } loaded) return CommonOptions.BadInput;
            var summary = Summarise(specArg, loaded);
            if (parse.GetValue(json)) Console.WriteLine(JsonSerializer.Serialize(summary, ClusterCommands.JsonOutput));
            else Print(summary);
            return 0;
        });
        return command;
    }

    /// <summary>What a valid spec's run would do, with the sizes the validator and the store check count.</summary>
    public sealed record Summary(string Spec, bool Valid, EnvironmentSummary Environment, long BudgetEnvSteps,
        CollectorSummary[] Collectors, LearnerSummary[] Learners, ReplaySummary Replay, long StoreBytes);

    public sealed record EnvironmentSummary(string Kind, string TrainLayout, string EvalLayout, int EpisodeLength, int StateDim, int ActionDim);

    /// <summary>One collector group: <see cref="Count"/> in all, or <see cref="PerSilo"/> on each collector silo.</summary>
    public sealed record CollectorSummary(int? Count, int? PerSilo, int Envs, string Behaviour);

    public sealed record LearnerSummary(string Name, string Role, string Algorithm, int ActorDepth, int ActorWidth, int CriticDepth, int CriticWidth, int Batch,
        long ActorParameters, long CriticParameters, long NetworkBytes);

    public sealed record ReplaySummary(int Shards, long CapacityTransitions, long MinTransitions, long BytesPerTransition, long Bytes);

    public static Summary Summarise(string specArg, ExperimentSpec spec)
    {
        var layout = EnvironmentFactory.Layout(spec.Environment);
        var environment = spec.Environment;
        var learners = spec.Learners.Select(l =>
        {
            var (actor, critic, bytes) = SpecValidator.LearnerNetworks(l, layout);
            return new LearnerSummary(l.Name, l.Role.ToString().ToLowerInvariant(), SpecNames.Algorithm.Name(l.Algorithm), l.Actor.Depth, l.Actor.Width, l.Critic.Depth, l.Critic.Width, l.Batch, actor, critic, bytes);
        }).ToArray();
        var collectors = spec.Collectors.Select(c => new CollectorSummary(c.PerSilo is null ? c.Count : null, c.PerSilo, c.Envs, c.Behaviour)).ToArray();
        var replay = new ReplaySummary(spec.Replay.Shards, spec.Replay.CapacityTransitions, spec.Replay.MinTransitions,
            Fathom.Replay.EpisodeCodec.BytesPerTransition(layout), RunMemory.ReplayBytesOf(spec, layout, spec.Replay.CapacityTransitions));
        return new Summary(specArg, true,
            new EnvironmentSummary(environment.Kind, environment.TrainLayout, environment.EvalLayout, environment.EpisodeLength, layout.StateDim, layout.ActionDim),
            spec.BudgetEnvSteps, collectors, learners, replay, RunMemory.Of(spec).TotalBytes);
    }

    static void Print(Summary s)
    {
        static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
        var e = s.Environment;
        Console.WriteLine($"{s.Spec}: valid; nothing started");
        // A layout file is read into the spec; its maze is shown by its size, not row by row.
        static string Maze(string layout)
        {
            if (!Fathom.Learner.Envs.MazeLayout.IsText(layout)) return layout;
            var maze = Fathom.Learner.Envs.MazeLayout.Parse(layout);
            return $"a {maze.Rows} x {maze.Columns} maze given in the spec";
        }
        Console.WriteLine($"environment: {e.Kind}, train {Maze(e.TrainLayout)}, eval {Maze(e.EvalLayout)}, episodes of {N(e.EpisodeLength)} steps (state {e.StateDim}, action {e.ActionDim})");
        Console.WriteLine($"budget: {N(s.BudgetEnvSteps)} env steps");
        Console.WriteLine("collectors:");
        foreach (var c in s.Collectors)
            Console.WriteLine(c.PerSilo is { } perSilo
                ? $"  {perSilo} on each collector silo x {N(c.Envs)} envs, acting for {c.Behaviour}"
                : $"  {c.Count} x {N(c.Envs)} envs ({N((long)c.Count!.Value * c.Envs)} in all), acting for {c.Behaviour}");
        Console.WriteLine("learners:");
        foreach (var l in s.Learners)
            Console.WriteLine($"  {l.Name} ({l.Role}, {l.Algorithm}): actor depth {l.ActorDepth} x width {l.ActorWidth} ({N(l.ActorParameters)} parameters), " +
                              $"critic depth {l.CriticDepth} x width {l.CriticWidth} ({N(l.CriticParameters)} parameters), batch {l.Batch}, " +
                              $"networks {RunMemory.Mb(l.NetworkBytes)} with Adam's moments");
        var r = s.Replay;
        Console.WriteLine($"replay: {r.Shards} shard{(r.Shards == 1 ? "" : "s")}, capacity {N(r.CapacityTransitions)} transitions ({N(r.BytesPerTransition)} bytes each, " +
                          $"{RunMemory.Mb(r.Bytes)} full), training starts at {N(r.MinTransitions)}");
        Console.WriteLine($"stores: at most {RunMemory.Mb(s.StoreBytes)} (replay, published weights, checkpoints)");
    }
}
