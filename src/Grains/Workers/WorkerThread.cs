using System.Diagnostics;

namespace Fathom.Grains.Workers;

/// <summary>
/// A hot loop on its own thread, owned by a grain activation: never on the Orleans scheduler, and the one thread
/// that touches its networks (TorchSharp dispose scopes are per thread). The grain starts it, asks it to stop and
/// awaits <see cref="Completion"/>; an exception ends the loop and is kept in <see cref="Error"/>.
/// </summary>
public abstract class WorkerThread
{
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;

    protected WorkerThread(string name)
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
    }

    /// <summary>Completes when the loop has ended and flushed (never faults; see <see cref="Error"/>).</summary>
    public Task Completion => _completion.Task;

    public Exception? Error { get; private set; }

    /// <summary>What a status shows of <see cref="Error"/>: the message and where it was thrown.</summary>
    public string? ErrorText => Error is null ? null
        : $"{Error.GetType().Name}: {Error.Message} [{string.Join(" < ", (Error.StackTrace ?? "").Split('\n').Select(l => l.Trim()).Where(l => l.StartsWith("at Fathom")).Take(4))}]";

    public bool IsRunning => !_completion.Task.IsCompleted;

    public void Start() => _thread.Start();

    /// <summary>Asks the loop to end after its current step; it then flushes what it holds.</summary>
    public void RequestStop() => _stop.Cancel();

    /// <summary>Ends the loop without flushing, as if the process had died (the silo was killed under it).</summary>
    public void Abort()
    {
        _abort.Cancel();
        _stop.Cancel();
    }

    /// <summary>Cancelled only by <see cref="Abort"/>: for writes that a stop must let finish (an episode batch, a final checkpoint).</summary>
    protected CancellationToken AbortToken => _abort.Token;

    /// <summary>True after <see cref="Abort"/>: the loop must not write anything more.</summary>
    protected bool Aborted => _abort.IsCancellationRequested;

    /// <summary>The loop: return when <paramref name="stop"/> is cancelled (or the work is done), after flushing.</summary>
    protected abstract void Execute(CancellationToken stop);

    private void Run()
    {
        // The thread inherits the grain call's trace context; each chunk or update starts its own trace instead.
        Activity.Current = null;
        try
        {
            Execute(_stop.Token);
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
            // Stopped while waiting on a store: nothing half-done is kept.
        }
        catch (Exception e)
        {
            Error = e;
        }
        finally
        {
            _completion.SetResult();
        }
    }

    /// <summary>
    /// Upper bound on any one blocking wait of a worker. Every store call has its own, shorter timeout; this bound
    /// turns a wait that never ends (a lost reply) into an error, so the experiment restarts the worker from its
    /// checkpoint instead of the run hanging.
    /// </summary>
    public static readonly TimeSpan MaxWait = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Waits for a store call on the worker's dedicated thread (there is no scheduler here to return to); the parts of
    /// a worker use it too, so that whatever follows (tensor work) stays on the thread that owns the networks.
    /// </summary>
    internal static T Wait<T>(Task<T> task) => task.WaitAsync(MaxWait).GetAwaiter().GetResult();

    internal static void Wait(Task task) => task.WaitAsync(MaxWait).GetAwaiter().GetResult();
}
