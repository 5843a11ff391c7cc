using System.CommandLine;
using Fathom.Client.Results;
using Fathom.Client.Running;
using Fathom.Grains.Specs;

namespace Fathom.Client.Commands;

/// <summary><c>fathom run &lt;preset | spec&gt;</c> and <c>fathom resume &lt;run&gt;</c>.</summary>
public static class RunCommand
{
    public static Command Create()
    {
        var spec = CommonOptions.Spec();
        var cluster = CommonOptions.Cluster();
        var state = CommonOptions.State();
        var results = CommonOptions.Results();
        var run = CommonOptions.RunName();
        var detach = new Option<bool>("--detach")
        {
            Description = "on a cluster: start the run and return at once; it goes on without a client (`fathom status`, `fathom stop` and `fathom results` reach it)",
        };
        var command = new Command("run", "Run an experiment to its env-step budget, showing progress; Ctrl-C stops it with a checkpoint") { spec, cluster, state, results, run, detach };
        command.SetAction(async (parse, cancel) =>
        {
            var specArg = parse.GetRequiredValue(spec);
            if (CommonOptions.LoadSpec(specArg) is not { } loaded) return CommonOptions.BadInput;
            if (CommonOptions.RunNameOrDefault(parse.GetValue(run), Path.GetFileNameWithoutExtension(specArg)) is not { } name) return CommonOptions.BadInput;
            if (CommonOptions.Target(parse.GetValue(cluster), parse.GetValue(state)) is not { } target) return CommonOptions.BadInput;
            if (parse.GetValue(detach) && target.IsLocal)
            {
                await Console.Error.WriteLineAsync("fathom: --detach: a local run lives in this process and ends with it; give --cluster (or FATHOM_MODE=redis and FATHOM_MEMBERSHIP_REDIS) to detach");
                return CommonOptions.BadInput;
            }
            if (!CommonOptions.CanWriteResults(parse.GetRequiredValue(results))) return CommonOptions.BadInput;
            var folder = new RunFolder(Path.GetFullPath(Path.Combine(parse.GetRequiredValue(results), name)));
            if (File.Exists(folder.Spec) || File.Exists(folder.Path))
            {
                await Console.Error.WriteLineAsync($"fathom: run '{name}' already exists in {folder.Path}; choose another --run or `fathom resume {name}`");
                return CommonOptions.BadInput;
            }
            folder = RunFolder.Create(parse.GetRequiredValue(results), name);
            await File.WriteAllTextAsync(folder.Spec, SpecWriter.Write(loaded), cancel);
            await using var connection = await CommonOptions.Connect(target, cancel);
            if (connection is null)
            {
                folder.Discard(); // nothing ran: the name stays free
                return CommonOptions.Unreachable;
            }
            Console.WriteLine($"run {name}: {connection.Description}, results in {folder.Path}");
            var runner = new ExperimentRunner(connection, folder, loaded, Console.Out);
            var outcome = parse.GetValue(detach) ? await runner.StartDetachedAsync(target.Membership!) : await runner.RunAsync(null, Interrupt.Token);
            if (outcome == RunOutcome.Refused) folder.Discard(); // nothing ran: the name stays free
            return (int)outcome;
        });
        return command;
    }

    public static Command CreateResume()
    {
        var runArg = new Argument<string>("run") { Description = "name of an interrupted run (its folder under --results)" };
        var cluster = CommonOptions.Cluster();
        var state = CommonOptions.State();
        var results = CommonOptions.Results();
        var command = new Command("resume", "Continue an interrupted run from its checkpoint (update counts and env steps carry on)") { runArg, cluster, state, results };
        command.SetAction(async (parse, cancel) =>
        {
            if (!CommonOptions.IsRunName(parse.GetRequiredValue(runArg), "run")) return CommonOptions.BadInput;
            var folder = new RunFolder(Path.GetFullPath(Path.Combine(parse.GetRequiredValue(results), parse.GetRequiredValue(runArg))));
            if (!File.Exists(folder.Spec))
            {
                await Console.Error.WriteLineAsync($"fathom: run: no run folder with a spec.yaml at {folder.Path}");
                return CommonOptions.BadInput;
            }
            ResumePoint? resume;
            try
            {
                resume = ResumePoint.Read(folder);
            }
            catch (InvalidDataException e)
            {
                await Console.Error.WriteLineAsync($"fathom: run: {folder.Name} cannot be resumed: {e.Message}; start it again under another --run");
                return CommonOptions.BadInput;
            }
            if (resume is null)
            {
                await Console.Error.WriteLineAsync($"fathom: run: {folder.Name} has no checkpoint to resume from ({folder.Checkpoint}); it finished or was never interrupted");
                return CommonOptions.BadInput;
            }
            if (CommonOptions.LoadSpec(folder.Spec) is not { } spec) return CommonOptions.BadInput;
            if (CommonOptions.Target(parse.GetValue(cluster), parse.GetValue(state)) is not { } target) return CommonOptions.BadInput;
            if (!CommonOptions.CanWriteResults(parse.GetRequiredValue(results))) return CommonOptions.BadInput;
            await using var connection = await CommonOptions.Connect(target, cancel);
            if (connection is null) return CommonOptions.Unreachable;
            Console.WriteLine($"resuming {folder.Name} at {resume.EnvSteps:N0} env steps ({string.Join(", ", resume.Updates.Select(u => $"{u.Key} at {u.Value:N0} updates"))}): {connection.Description}");
            return (int)await new ExperimentRunner(connection, folder, spec, Console.Out).RunAsync(resume, Interrupt.Token);
        });
        return command;
    }
}
