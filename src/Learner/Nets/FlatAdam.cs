using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Nets;

/// <summary>
/// Adam (Kingma and Ba; no weight decay, no clipping) over one <see cref="FlatParameters"/> buffer. On the CPU one
/// fused pass reads gradient, moments and weights once and writes each once, with no temporary: a deep network's
/// buffers are far larger than the caches, so Adam is memory-bound, and six tensor ops plus a buffer-sized temporary
/// (whose pages the allocator hands back and faults in again each step) cost several times as much. Other devices
/// run the same arithmetic as whole-buffer tensor ops.
/// </summary>
public sealed class FlatAdam : IDisposable
{
    /// <summary>Elements per parallel chunk: large enough to amortise a task, small enough to split a network.</summary>
    private const int ChunkElements = 1 << 18;

    private readonly FlatParameters _parameters;

    public double LearningRate { get; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Epsilon { get; }

    /// <summary>Steps taken so far (drives the bias correction).</summary>
    public long Steps { get; private set; }

    /// <summary>Running mean of gradients, same layout as the parameter buffer.</summary>
    public Tensor FirstMoment { get; }

    /// <summary>Running mean of squared gradients, same layout as the parameter buffer.</summary>
    public Tensor SecondMoment { get; }

    public FlatAdam(FlatParameters parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        if (!(learningRate > 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be > 0.");
        _parameters = parameters;
        LearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        FirstMoment = zeros_like(parameters.Values).DetachFromDisposeScope();
        SecondMoment = zeros_like(parameters.Values).DetachFromDisposeScope();
    }

    /// <summary>
    /// One Adam step from the accumulated gradients: m += (1 - b1)(g - m); v = b2 v + (1 - b2) g^2;
    /// p -= lr/c1 * m / (sqrt(v)/sqrt(c2) + eps), computed as p += step * m / (sqrt(v) + eps sqrt(c2)).
    /// </summary>
    public void Step() => Step(fusedLoop: _parameters.Values.device_type == DeviceType.CPU);

    /// <summary>One step by the fused CPU loop or by tensor ops (tests compare the two on the CPU).</summary>
    internal void Step(bool fusedLoop)
    {
        Steps++;
        double correction1 = 1 - Math.Pow(Beta1, Steps);
        double sqrtCorrection2 = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        var rule = new StepRule((float)(1 - Beta1), (float)Beta2, (float)(1 - Beta2),
            (float)(Epsilon * sqrtCorrection2), (float)(-LearningRate * sqrtCorrection2 / correction1));
        if (fusedLoop) FusedCpuStep(rule);
        else TensorOpStep(rule);
    }

    private readonly record struct StepRule(float FirstWeight, float Beta2, float SecondWeight, float Epsilon, float StepSize);

    private unsafe void FusedCpuStep(StepRule rule)
    {
        long count = _parameters.Count;
        var buffers = new Buffers(Pointer(_parameters.Values), Pointer(_parameters.Gradients), Pointer(FirstMoment), Pointer(SecondMoment));
        int chunks = (int)((count + ChunkElements - 1) / ChunkElements);
        if (chunks == 1)
        {
            Update(buffers, rule, 0, (int)count);
            return;
        }
        // As many workers as libtorch uses threads, so the optimizer gets the same cores as the GEMMs.
        var options = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, get_num_threads()) };
        Parallel.For(0, chunks, options, chunk =>
        {
            long start = (long)chunk * ChunkElements;
            Update(buffers, rule, start, (int)Math.Min(ChunkElements, count - start));
        });
    }

    private readonly record struct Buffers(nint Values, nint Gradients, nint FirstMoment, nint SecondMoment);

    /// <summary>The address of a CPU tensor's data; libtorch owns that memory, so it stays put outside the fixed block.</summary>
    private static unsafe nint Pointer(Tensor t)
    {
        fixed (byte* p = t.bytes) return (nint)p;
    }

    private static unsafe void Update(Buffers buffers, StepRule rule, long start, int length)
    {
        var p = new Span<float>((float*)buffers.Values + start, length);
        var g = new ReadOnlySpan<float>((float*)buffers.Gradients + start, length);
        var m = new Span<float>((float*)buffers.FirstMoment + start, length);
        var v = new Span<float>((float*)buffers.SecondMoment + start, length);
        int i = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var firstWeight = new Vector<float>(rule.FirstWeight);
            var beta2 = new Vector<float>(rule.Beta2);
            var secondWeight = new Vector<float>(rule.SecondWeight);
            var epsilon = new Vector<float>(rule.Epsilon);
            var stepSize = new Vector<float>(rule.StepSize);
            for (; i <= length - Vector<float>.Count; i += Vector<float>.Count)
            {
                var gi = new Vector<float>(g[i..]);
                var mi = new Vector<float>(m[i..]);
                mi += firstWeight * (gi - mi);
                var vi = beta2 * new Vector<float>(v[i..]) + secondWeight * gi * gi;
                var pi = new Vector<float>(p[i..]) + stepSize * mi / (Vector.SquareRoot(vi) + epsilon);
                mi.CopyTo(m[i..]);
                vi.CopyTo(v[i..]);
                pi.CopyTo(p[i..]);
            }
        }
        for (; i < length; i++)
        {
            m[i] += rule.FirstWeight * (g[i] - m[i]);
            v[i] = rule.Beta2 * v[i] + rule.SecondWeight * g[i] * g[i];
            p[i] += rule.StepSize * m[i] / (MathF.Sqrt(v[i]) + rule.Epsilon);
        }
    }

    /// <summary>The same step as whole-buffer tensor ops, for devices the fused loop cannot address (CUDA).</summary>
    private void TensorOpStep(StepRule rule)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var g = _parameters.Gradients;
        using var firstWeight = tensor(rule.FirstWeight, device: g.device);
        // Values that change every step are held in using variables rather than cached (see Scalars).
        using var beta2 = rule.Beta2.ToScalar();
        using var secondWeight = rule.SecondWeight.ToScalar();
        using var epsilon = rule.Epsilon.ToScalar();
        using var stepSize = rule.StepSize.ToScalar();
        FirstMoment.lerp_(g, firstWeight);
        SecondMoment.mul_(beta2).addcmul_(g, g, value: secondWeight);
        _parameters.Values.addcdiv_(FirstMoment, SecondMoment.sqrt().add_(epsilon), value: stepSize);
    }

    public void Save(BinaryWriter writer)
    {
        writer.Write(Steps);
        TensorStreams.Write(writer, FirstMoment);
        TensorStreams.Write(writer, SecondMoment);
    }

    public void Load(BinaryReader reader)
    {
        Steps = reader.ReadInt64();
        TensorStreams.Read(reader, FirstMoment, "Adam first moment");
        TensorStreams.Read(reader, SecondMoment, "Adam second moment");
    }

    public void Dispose()
    {
        FirstMoment.Dispose();
        SecondMoment.Dispose();
    }
}
