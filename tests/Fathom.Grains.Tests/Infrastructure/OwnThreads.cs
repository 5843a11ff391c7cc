namespace Fathom.Grains.Tests.Infrastructure;

/// <summary>
/// Runs work on threads of their own that block on the replay store's tasks, as a collector's loop may. Also linked
/// into bench/Fathom.Bench.
/// </summary>
public static class OwnThreads
{
    /// <summary>Runs <paramref name="body"/>(i) for i in [0, count) on as many threads; completes when all have, with their first error.</summary>
    public static Task Run(int count, Action<int> body)
    {
        var done = Enumerable.Range(0, count).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).ToArray();
        for (int i = 0; i < count; i++)
        {
            int index = i;
            new Thread(() =>
            {
                try
                {
                    body(index);
                    done[index].SetResult();
                }
                catch (Exception e)
                {
                    done[index].SetException(e);
                }
            }) { IsBackground = true, Name = $"own-{index}" }.Start();
        }
        return Task.WhenAll(done.Select(d => d.Task));
    }
}
