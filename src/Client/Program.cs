using System.CommandLine;
using Fathom.Client.Commands;
using Fathom.Client.Running;

// fathom: the researcher's one command. Ctrl-C is handled by the run itself (stop, checkpoint, tell how to resume).
Interrupt.Install();
var root = new RootCommand("fathom: run deep contrastive RL experiments on Orleans, watch them, sweep depths, draw the results")
{
    RunCommand.Create(),
    RunCommand.CreateResume(),
    SweepCommand.Create(),
    ReportCommand.Create(),
};
foreach (var command in ClusterCommands.Create()) root.Subcommands.Add(command);
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
