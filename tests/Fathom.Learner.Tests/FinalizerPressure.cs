namespace Fathom.Learner.Tests;

/// <summary>
/// A thread that forces collections and runs finalizers back to back while it lives: a TorchSharp temporary that is
/// unreachable during a native op gets freed under it, which a learner meets only after hours.
/// </summary>
public sealed class FinalizerPressure : IDisposable
{
    private readonly Thread _thread;
    private int _stop;

    public FinalizerPressure()
    {
        _thread = new Thread(() =>
        {
            while (Volatile.Read(ref _stop) == 0)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        }) { IsBackground = true, Name = "finalizer pressure" };
        _thread.Start();
    }

    public void Dispose()
    {
        Volatile.Write(ref _stop, 1);
        _thread.Join();
    }
}
