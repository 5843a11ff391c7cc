using System.Diagnostics;
using Fathom.Replay;

namespace Fathom.Grains.Workers;

/// <summary>
/// Acme's adder of one collector: writes its finished episodes to its replay shard in one batch. A shard that is down
/// is retried (episode ids make a retry safe). A shard out of memory is back-pressure: the adder pauses with
/// jittered exponential back-off, counts it (<see cref="OutOfMemoryRetries"/>, fathom.replay.oom_retries) and retries,
/// and fails with a named error only after <paramref name="outOfMemoryGiveUp"/> of refusals in a row.
/// </summary>
public sealed class EpisodeAdder(IReplayStore store, int shard, TimeSpan outOfMemoryGiveUp, TagList tags)
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    /// <summary>Back-off after an out-of-memory refusal: jittered, doubling from the first delay up to the cap.</summary>
    private static readonly TimeSpan OutOfMemoryFirstDelay = TimeSpan.FromMilliseconds(100), OutOfMemoryMaxDelay = TimeSpan.FromSeconds(5);

    private long _outOfMemoryRetries;

    /// <summary>Appends the shard refused as out of memory and retried.</summary>
    public long OutOfMemoryRetries => Interlocked.Read(ref _outOfMemoryRetries);

    /// <summary>Stores every episode (or finds it already stored); only <paramref name="abort"/> ends the retries early.</summary>
    public void Add(IReadOnlyList<Episode> episodes, CancellationToken abort)
    {
        var refusedSince = (Stopwatch?)null;
        for (var refusals = 0; ; )
        {
            try
            {
                WorkerThread.Wait(store.AppendAsync(shard, episodes, abort));
                return;
            }
            catch (ReplayShardUnavailableException)
            {
                WorkerThread.Wait(Task.Delay(RetryDelay, abort));
            }
            catch (ReplayShardOutOfMemoryException e)
            {
                refusedSince ??= Stopwatch.StartNew();
                if (refusedSince.Elapsed > outOfMemoryGiveUp)
                    throw new InvalidOperationException($"replay shard {e.Shard} refused every append as out of memory for {outOfMemoryGiveUp.TotalSeconds:F0} s, " +
                                                        "and evicting its oldest episodes did not make room: other data fills that server (maxmemory). Raise its maxmemory, free it, or lower replay.capacity.", e);
                Interlocked.Increment(ref _outOfMemoryRetries);
                ReplayTelemetry.ReplayOomRetries.Add(1, tags);
                WorkerThread.Wait(Task.Delay(OutOfMemoryDelay(refusals++), abort));
            }
        }
    }

    /// <summary>Full jitter over an exponential ceiling: uniform in [0, min(cap, first x 2^n)], at least 10 ms.</summary>
    internal static TimeSpan OutOfMemoryDelay(int refusals)
    {
        var ceiling = Math.Min(OutOfMemoryMaxDelay.TotalMilliseconds, OutOfMemoryFirstDelay.TotalMilliseconds * Math.Pow(2, Math.Min(refusals, 30)));
        return TimeSpan.FromMilliseconds(Math.Max(10, Random.Shared.NextDouble() * ceiling));
    }
}
