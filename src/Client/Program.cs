using System.CommandLine;
using Fathom.Client.Commands;

// fathom: the researcher's one command. Ctrl-C during a run is handled by the run itself (see Interrupt).
var root = new RootCommand("fathom: run deep contrastive RL experiments on Orleans, watch them, sweep depths, draw the results")
{
    RunCommand.Create(),
    RunCommand.CreateResume(),
    SweepCommand.Create(),
    ReportCommand.Create(),
    ValidateCommand.Create(),
    TrainabilityCommand.Create(),
};
foreach (var command in ClusterCommands.Create()) root.Subcommands.Add(command);
foreach (var command in RunsCommands.Create()) root.Subcommands.Add(command);
try
{
    // Errors a command did not handle reach LastResort: one line for the user, the trace in a file.
    return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null, EnableDefaultExceptionHandler = false });
}
catch (Exception e)
{
    return LastResort.Report(e);
}
