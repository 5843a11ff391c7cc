using Fathom.Learner.Nets;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests;

/// <summary>
/// Writing and reading weights outside any dispose scope (a learner publishing its actor, a collector importing it) under
/// <see cref="FinalizerPressure"/>: an unheld temporary (the read values' view; the detached and contiguous copies of a
/// written tensor) was freed mid-call, a segfault. Each test crashed its host in two of two or three runs without the fix.
/// </summary>
public class TensorStreamsTests
{
    private const int Iterations = 300_000;

    [Fact]
    public void Read_CopiesIntoTheTensor_WhileCollectionsRun()
    {
        using var source = arange(12, dtype: float32).reshape(3, 4);
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) TensorStreams.Write(writer, source);
        var blob = buffer.ToArray();
        using var into = zeros(3, 4);
        using var pressure = new FinalizerPressure();
        for (var i = 0; i < Iterations; i++)
        {
            using var reader = new BinaryReader(new MemoryStream(blob));
            TensorStreams.Read(reader, into, "test weights");
            if (i % 10_000 == 0) Assert.Equal(66f, into.sum().item<float>());
        }
        Assert.Equal(source.data<float>().ToArray(), into.data<float>().ToArray());
    }

    [Fact]
    public void Write_WritesTheTensor_WhileCollectionsRun()
    {
        // Non-contiguous, so that each step of the write (detach, contiguous, cpu) makes a tensor of its own.
        using var whole = arange(24, dtype: float32).reshape(4, 6);
        using var source = whole.narrow(1, 1, 4);
        var expected = source.contiguous().data<float>().ToArray();
        using var pressure = new FinalizerPressure();
        for (var i = 0; i < Iterations; i++)
        {
            using var buffer = new MemoryStream();
            using (var writer = new BinaryWriter(buffer, System.Text.Encoding.UTF8, leaveOpen: true)) TensorStreams.Write(writer, source);
            if (i % 10_000 != 0) continue;
            buffer.Position = 0;
            using var into = zeros(4, 4);
            using (var reader = new BinaryReader(buffer)) TensorStreams.Read(reader, into, "test weights");
            Assert.Equal(expected, into.data<float>().ToArray());
        }
    }
}
