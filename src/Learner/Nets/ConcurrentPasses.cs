using System.Runtime.ExceptionServices;
using static TorchSharp.torch;

namespace Fathom.Learner.Nets;

/// <summary>
/// Runs two independent autograd passes of one update at the same time, each on its own long-lived thread with part
/// of the owner's intra-op threads (the first gets the larger half). At width 256 every op of a pass is small, and
/// with several intra-op threads each one is an OpenMP fork and join whose sleeping workers must be woken by the
/// kernel; two single-threaded passes side by side keep both cores busy without that (docs/benchmarks.md, Learner).
/// With one thread the passes run one after the other on the caller's thread.
/// </summary>
public sealed class ConcurrentPasses : IDisposable
{
    private readonly PassThread? _first;
    private readonly PassThread? _second;

    /// <param name="threads">The intra-op thread budget of the owner (usually <c>torch.get_num_threads()</c>).</param>
    /// <param name="name">Names the threads in debuggers and dumps.</param>
    public ConcurrentPasses(int threads, string name)
    {
        if (threads < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "threads must be at least 1.");
        Threads = threads;
        if (threads == 1) return;
        _first = new PassThread(threads - threads / 2, $"{name} pass 1");
        _second = new PassThread(threads / 2, $"{name} pass 2");
        // libtorch's set_num_threads also sets the count that threads new to torch start with; the pass threads
        // just set theirs, so put back the owner's for everyone else.
        set_num_threads(threads);
    }

    public int Threads { get; }

    /// <summary>Runs both passes and returns both results; if either throws, both finish first and the first error is rethrown.</summary>
    public (TFirst First, TSecond Second) Run<TFirst, TSecond>(Func<TFirst> first, Func<TSecond> second)
    {
        if (_first is null || _second is null) return (first(), second());
        _first.Start(() => first());
        _second.Start(() => second());
        var a = _first.Join();
        var b = _second.Join();
        a.Error?.Throw();
        b.Error?.Throw();
        return ((TFirst)a.Value!, (TSecond)b.Value!);
    }

    public void Dispose()
    {
        _first?.Dispose();
        _second?.Dispose();
    }

    private readonly record struct Outcome(object? Value, ExceptionDispatchInfo? Error);

    /// <summary>One dedicated thread that keeps its libtorch thread count and runs one pass at a time.</summary>
    private sealed class PassThread : IDisposable
    {
        private readonly SemaphoreSlim _work = new(0);
        private readonly SemaphoreSlim _done = new(0);
        private readonly Thread _thread;
        private Func<object?>? _pass;
        private Outcome _outcome;
        private volatile bool _stopping;

        public PassThread(int threads, string name)
        {
            using var ready = new ManualResetEventSlim();
            _thread = new Thread(() =>
            {
                // libtorch gives a thread the process-wide count on its first query; have that happen first so it
                // cannot overwrite this thread's own count later.
                get_num_threads();
                set_num_threads(threads);
                ready.Set();
                Loop();
            }) { IsBackground = true, Name = name };
            _thread.Start();
            ready.Wait();
        }

        public void Start(Func<object?> pass)
        {
            _pass = pass;
            _work.Release();
        }

        public Outcome Join()
        {
            _done.Wait();
            return _outcome;
        }

        private void Loop()
        {
            while (true)
            {
                _work.Wait();
                if (_stopping) return;
                try
                {
                    _outcome = new Outcome(_pass!(), null);
                }
                catch (Exception e)
                {
                    _outcome = new Outcome(null, ExceptionDispatchInfo.Capture(e));
                }
                _pass = null;
                _done.Release();
            }
        }

        public void Dispose()
        {
            _stopping = true;
            _work.Release();
            _thread.Join();
            _work.Dispose();
            _done.Dispose();
        }
    }
}
