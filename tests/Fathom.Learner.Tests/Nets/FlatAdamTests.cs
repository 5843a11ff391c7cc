using Fathom.Learner.Nets;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Tests.Nets;

public class FlatAdamTests
{
    [Fact]
    public void MatchesTorchSharpsAdamStepForStep()
    {
        using var scope = NewDisposeScope();
        using var flat = new FlatParameters([[3, 4], [5]], CPU);
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
            adam.Step();
            referenceAdam.step();
        }
        var expected = cat(reference.Select(p => p.detach().flatten()).ToArray());
        Assert.Equal(4, adam.Steps);
        Assert.True(flat.Values.allclose(expected, rtol: 1e-5, atol: 1e-7));
        Assert.True(flat.Values.sub(expected).abs().max().item<float>() < 1e-6f);
    }
}
