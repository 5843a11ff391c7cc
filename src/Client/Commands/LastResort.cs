using Orleans.Runtime;
using StackExchange.Redis;

namespace Fathom.Client.Commands;

/// <summary>
/// What `fathom` does with an error no command handled: one line on stderr that says what happened and what to do, the
/// stack trace in a file for a bug report, and an exit code the README documents. A cluster that stops answering for
/// longer than a command waits is said as unreachable (exit 3), a Ctrl-C no command caught as interrupted (exit 130);
/// anything else is exit 1.
/// </summary>
public static class LastResort
{
    public static int Report(Exception error)
    {
        if (error is OperationCanceledException)
        {
            // Ctrl-C before a run had started (connecting, loading): nothing to stop or checkpoint.
            Console.Error.WriteLine("fathom: interrupted");
            return Fathom.Client.Running.Interrupt.ExitCode;
        }
        var trace = Path.Combine(Path.GetTempPath(), $"fathom-error-{DateTime.UtcNow:yyyyMMdd-HHmmss}-{Environment.ProcessId}.txt");
        var saved = CommonOptions.TrySaveDetails(trace, error.ToString());
        var details = saved ? $" (details for a bug report in {trace})" : "";
        if (error is OrleansException or SiloUnavailableException or TimeoutException or RedisException)
        {
            Console.Error.WriteLine($"fathom: the cluster stopped answering ({CommonOptions.FirstLine(error.Message, 300)}); check that its membership Redis " +
                                   $"and silos are up, then look at the run with `fathom status`{details}");
            return CommonOptions.Unreachable;
        }
        Console.Error.WriteLine($"fathom: failed: {CommonOptions.FirstLine(error.Message, 300)}{details}");
        return 1;
    }
}
