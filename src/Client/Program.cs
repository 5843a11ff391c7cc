using System.CommandLine;
using Fathom.Client.Commands;

var root = new RootCommand("fathom: run deep contrastive RL experiments on Orleans, watch them, sweep depths, draw the results")
{
    ReportCommand.Create(),
};
return await root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = null });
