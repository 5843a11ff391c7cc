using System.Runtime.InteropServices;

namespace Fathom.Client.Running;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM as a cancellation token: the first signal asks the run to stop cleanly (stop the
/// workers, copy their checkpoints out, write what was measured); a second one exits at once.
/// </summary>
public static class Interrupt
{
    public const int ExitCode = 130;

    static readonly CancellationTokenSource Source = new();
    static readonly List<PosixSignalRegistration> Registrations = [];

    public static CancellationToken Token => Source.Token;

    public static void Install()
    {
        foreach (var signal in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM })
            Registrations.Add(PosixSignalRegistration.Create(signal, context =>
            {
                context.Cancel = true;
                if (Source.IsCancellationRequested) Environment.Exit(ExitCode);
                Console.Error.WriteLine("fathom: stopping (press Ctrl-C again to quit at once)...");
                Source.Cancel();
            }));
    }
}
