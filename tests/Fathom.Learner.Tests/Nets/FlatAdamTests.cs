using Fathom.Learner.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Nets;

public class FlatAdamTests
{
    /// <summary>
    /// Both step paths against TorchSharp's own Adam. The large shape spans several parallel chunks of the fused loop
    /// and leaves a tail shorter than one SIMD vector; the small one fits in a single chunk.
    /// </summary>
    [Theory]
    [InlineData(true, 3, 4, 5)]
    [InlineData(false, 3, 4, 5)]
    [InlineData(true, 700, 1000, 13)]
    [InlineData(false, 700, 1000, 13)]
    public void MatchesTorchSharpsAdamStepForStep(bool fusedLoop, long rows, long columns, long bias)
    {
        using var scope = NewDisposeScope();
        using var flat = new FlatParameters([[rows, columns], [bias]], CPU);
        var generator = new Generator(13);
        using (no_grad()) flat.Values.copy_(randn(new long[] { flat.Count }, generator: generator));
        var reference = flat.Tensors.Select(t => new TorchSharp.Modules.Parameter(t.detach().clone())).ToList();
        var referenceAdam = optim.Adam(reference, lr: 3e-4);
        using var adam = new FlatAdam(flat, 3e-4);

        for (int step = 0; step < 4; step++)
        {
            var gradient = randn(new long[] { flat.Count }, generator: generator).mul_(step + 1);
            flat.Gradients.copy_(gradient);
            long offset = 0;
            foreach (var p in reference)
            {
                p.grad = gradient.narrow(0, offset, p.numel()).view(p.shape).clone();
                offset += p.numel();
            }
            adam.Step(fusedLoop);
            referenceAdam.step();
        }
        var expected = cat(reference.Select(p => p.detach().flatten()).ToArray());
        Assert.Equal(4, adam.Steps);
        Assert.True(flat.Values.allclose(expected, rtol: 1e-5, atol: 1e-7));
        Assert.True(flat.Values.sub(expected).abs().max().item<float>() < 1e-6f);
    }
}
