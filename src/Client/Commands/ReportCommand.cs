using System.CommandLine;
using Fathom.Client.Plots;
using Fathom.Client.Results;

namespace Fathom.Client.Commands;

/// <summary><c>fathom report &lt;run dir&gt;</c>: redraws every plot of a run or sweep folder from its CSVs alone.</summary>
public static class ReportCommand
{
    public static Command Create()
    {
        var folder = new Argument<DirectoryInfo>("run-dir") { Description = "a results folder of a run or a sweep, e.g. results/quickstart-20261125-164800" };
        var command = new Command("report", "Redraw the plots of a run or sweep folder from its CSV files") { folder };
        command.SetAction(parse =>
        {
            var run = new RunFolder(parse.GetRequiredValue(folder).FullName);
            List<string> written;
            try
            {
                written = Report.Draw(run);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or OverflowException)
            {
                // A folder that is not there or holds no (or broken) CSVs is the user's to fix: what and where, no stack trace.
                Console.Error.WriteLine($"fathom: report: {e.Message}; give a run or sweep folder that `fathom run` or `fathom sweep` wrote");
                return CommonOptions.BadInput;
            }
            foreach (var png in written) Console.WriteLine($"wrote {png}");
            foreach (var line in Report.Finals(run)) Console.WriteLine(line);
            return 0;
        });
        return command;
    }
}
