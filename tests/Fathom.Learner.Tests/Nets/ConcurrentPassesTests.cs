using Fathom.Learner.Nets;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Nets;

public class ConcurrentPassesTests
{
    [Fact]
    public void TwoThreadsRunBothPassesAtOnceEachWithOneTorchThread()
    {
        using var passes = new ConcurrentPasses(2, "test");
        using var bothStarted = new Barrier(2);
        // Each pass waits for the other: this only completes if they really run at the same time.
        var (first, second) = passes.Run(
            () => { bothStarted.SignalAndWait(TimeSpan.FromSeconds(30)); return (Thread.CurrentThread.ManagedThreadId, get_num_threads()); },
            () => { bothStarted.SignalAndWait(TimeSpan.FromSeconds(30)); return (Thread.CurrentThread.ManagedThreadId, get_num_threads()); });
        Assert.NotEqual(first.ManagedThreadId, second.ManagedThreadId);
        Assert.NotEqual(Environment.CurrentManagedThreadId, first.ManagedThreadId);
        Assert.Equal(1, first.Item2);
        Assert.Equal(1, second.Item2);
    }

    [Fact]
    public void ThreeThreadsGiveTheLargerHalfToTheFirstPassAndLeaveTheOwnersCount()
    {
        int before = get_num_threads();
        using var passes = new ConcurrentPasses(3, "test");
        var (first, second) = passes.Run(get_num_threads, get_num_threads);
        Assert.Equal((2, 1), (first, second));
        Assert.Equal(3, get_num_threads());
        set_num_threads(before);
    }

    [Fact]
    public void OneThreadRunsThePassesInOrderOnTheCaller()
    {
        using var passes = new ConcurrentPasses(1, "test");
        var order = new List<string>();
        var (first, second) = passes.Run(
            () => { order.Add("first"); return Environment.CurrentManagedThreadId; },
            () => { order.Add("second"); return Environment.CurrentManagedThreadId; });
        Assert.Equal(["first", "second"], order);
        Assert.Equal(Environment.CurrentManagedThreadId, first);
        Assert.Equal(Environment.CurrentManagedThreadId, second);
    }

    [Fact]
    public void AFailingPassIsRethrownAfterBothFinishAndThePassesStayUsable()
    {
        using var passes = new ConcurrentPasses(2, "test");
        bool secondFinished = false;
        var error = Assert.Throws<InvalidOperationException>(() => passes.Run<int, int>(
            () => throw new InvalidOperationException("first pass failed"),
            () => { Thread.Sleep(200); secondFinished = true; return 2; }));
        Assert.Equal("first pass failed", error.Message);
        Assert.True(secondFinished);
        Assert.Equal((1, 2), passes.Run(() => 1, () => 2));
    }

    [Fact]
    public void ZeroThreadsIsRefusedByName()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new ConcurrentPasses(0, "test"));
        Assert.Equal("threads", error.ParamName);
    }
}
