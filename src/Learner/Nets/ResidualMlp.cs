using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace Fathom.Learner.Nets;

/// <summary>
/// The residual MLP of crl-spec section 1, shared by the actor and both encoders:
/// <code>
/// h = act(LN(Dense(x)))                              input projection
/// depth/4 times: r = h; 4 x h = act(LN(Dense(h))); h = h + r
/// out = Dense(h)                                     linear head
/// </code>
/// Weights U(-1/sqrt(fan_in), +1/sqrt(fan_in)), biases zero, LayerNorm scale one and bias zero.
/// Parameters live in one <see cref="FlatParameters"/> buffer in layer order (weight, bias, LN scale, LN bias).
/// </summary>
public sealed class ResidualMlp : IDisposable
{
    /// <summary>Flax's LayerNorm epsilon, which the paper's code uses (PyTorch's default is 1e-5).</summary>
    public const double LayerNormEpsilon = 1e-6;

    private readonly Tensor[] _weights;
    private readonly Tensor[] _biases;
    private readonly Tensor[] _normScales;
    private readonly Tensor[] _normBiases;
    private readonly long[] _normalizedShape;

    public MlpShape Shape { get; }

    public FlatParameters Parameters { get; }

    public ResidualMlp(MlpShape shape, Generator generator, Device? device = null)
    {
        Shape = shape.Validate();
        device ??= CPU;
        int dense = shape.Depth + 2;
        var shapes = new List<long[]>();
        for (int layer = 0; layer < dense; layer++)
        {
            var (fanIn, fanOut) = LayerSize(layer);
            shapes.Add([fanOut, fanIn]);
            shapes.Add([fanOut]);
            if (layer < shape.HiddenLayers && shape.LayerNorm)
            {
                shapes.Add([fanOut]);
                shapes.Add([fanOut]);
            }
        }
        Parameters = new FlatParameters(shapes, device);

        _weights = new Tensor[dense];
        _biases = new Tensor[dense];
        _normScales = new Tensor[shape.LayerNorm ? shape.HiddenLayers : 0];
        _normBiases = new Tensor[_normScales.Length];
        _normalizedShape = [shape.Width];
        int next = 0;
        using (no_grad())
        {
            for (int layer = 0; layer < dense; layer++)
            {
                var (fanIn, _) = LayerSize(layer);
                double bound = 1.0 / Math.Sqrt(fanIn);
                _weights[layer] = Parameters.Tensors[next++];
                _weights[layer].uniform_(-bound, bound, generator);
                _biases[layer] = Parameters.Tensors[next++];
                if (layer < _normScales.Length)
                {
                    _normScales[layer] = Parameters.Tensors[next++];
                    _normScales[layer].fill_(Scalars.Of(1.0f));
                    _normBiases[layer] = Parameters.Tensors[next++];
                }
            }
        }
    }

    /// <summary>The network output, [N, OutputDim].</summary>
    public Tensor Forward(Tensor x) => F.linear(Features(x), _weights[^1], _biases[^1]);

    /// <summary>The last hidden activation before the linear head, [N, Width] (for probes and structure tests).</summary>
    public Tensor Features(Tensor x)
    {
        var h = Hidden(x, 0);
        for (int block = 0; block < Shape.Blocks; block++)
        {
            var residual = h;
            for (int i = 1; i <= MlpShape.LayersPerBlock; i++) h = Hidden(h, block * MlpShape.LayersPerBlock + i);
            if (Shape.Residual) h = h.add(residual, Scalars.One);
        }
        return h;
    }

    private Tensor Hidden(Tensor x, int layer)
    {
        var h = F.linear(x, _weights[layer], _biases[layer]);
        if (Shape.LayerNorm) h = F.layer_norm(h, _normalizedShape, _normScales[layer], _normBiases[layer], LayerNormEpsilon);
        return Shape.Activation == Activation.Swish ? F.silu(h) : F.relu(h);
    }

    private (int FanIn, int FanOut) LayerSize(int layer) =>
        layer == 0 ? (Shape.InputDim, Shape.Width)
        : layer <= Shape.Depth ? (Shape.Width, Shape.Width)
        : (Shape.Width, Shape.OutputDim);

    public void Dispose() => Parameters.Dispose();
}
