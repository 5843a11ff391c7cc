using System.Runtime.InteropServices;

namespace Fathom.Client.Running;

/// <summary>
/// Ctrl-C (SIGINT) and SIGTERM as a cancellation token for the commands that run experiments: the first signal
/// asks the run to stop cleanly (stop the workers, copy their checkpoints out, write what was measured); a second
/// one exits at once. The handlers are installed when a command first asks for <see cref="Token"/>, so the
/// other commands keep the default Ctrl-C.
/// </summary>
public static class Interrupt
{
    public const int ExitCode = 130;

    static readonly CancellationTokenSource Source = new();
    static readonly PosixSignalRegistration[] Registrations =
        [PosixSignalRegistration.Create(PosixSignal.SIGINT, Handle), PosixSignalRegistration.Create(PosixSignal.SIGTERM, Handle)];

    public static CancellationToken Token => Registrations.Length > 0 ? Source.Token : CancellationToken.None;

    static void Handle(PosixSignalContext context)
    {
        context.Cancel = true;
        if (Source.IsCancellationRequested) Environment.Exit(ExitCode);
        Console.Error.WriteLine("fathom: stopping, writing checkpoints (press Ctrl-C again to quit at once)...");
        Source.Cancel();
    }
}
