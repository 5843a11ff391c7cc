using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Nets;

/// <summary>
/// Adam (Kingma and Ba; no weight decay, no clipping) over one <see cref="FlatParameters"/> buffer: a handful of
/// whole-buffer tensor ops per step, which is what keeps the optimizer cheap next to the GEMMs of a deep network.
/// </summary>
public sealed class FlatAdam : IDisposable
{
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

    /// <summary>One Adam step from the accumulated gradients.</summary>
    public void Step()
    {
        Steps++;
        double correction1 = 1 - Math.Pow(Beta1, Steps);
        double sqrtCorrection2 = Math.Sqrt(1 - Math.Pow(Beta2, Steps));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var g = _parameters.Gradients;
        using var firstWeight = tensor((float)(1 - Beta1), device: g.device);
        FirstMoment.lerp_(g, firstWeight);
        SecondMoment.mul_(Beta2).addcmul_(g, g, value: 1 - Beta2);
        // p -= lr/c1 * m / (sqrt(v)/sqrt(c2) + eps), written with one temporary.
        var denominator = SecondMoment.sqrt().add_(Epsilon * sqrtCorrection2);
        _parameters.Values.addcdiv_(FirstMoment, denominator, value: -LearningRate * sqrtCorrection2 / correction1);
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
