using Fathom.Learner.Nets;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests;

/// <summary>
/// Reading weights into a network outside any dispose scope (a collector importing its behaviour learner's actor) under
/// <see cref="FinalizerPressure"/>: an unheld temporary view of the read values was freed mid-copy, a segfault in copy_. With the
/// view unheld this test crashed its host in two of three runs of 100,000 iterations on the 2-core dev machine.
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
}
