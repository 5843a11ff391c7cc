namespace Fathom.Learner.Nets;

/// <summary>
/// Everything that decides the structure of one residual MLP (crl-spec section 1): sizes plus the three ablation
/// switches. A depth-D network has D+2 Dense layers: input projection, D block layers, linear head.
/// </summary>
public sealed record MlpShape(
    int InputDim,
    int OutputDim,
    int Depth,
    int Width,
    bool LayerNorm = true,
    Activation Activation = Activation.Swish,
    bool Residual = true)
{
    /// <summary>Residual blocks hold four Dense layers each, so depth counts Dense layers in blocks.</summary>
    public const int LayersPerBlock = 4;

    public int Blocks => Depth / LayersPerBlock;

    /// <summary>Dense layers followed by LayerNorm and activation: the input projection and every block layer.</summary>
    public int HiddenLayers => Depth + 1;

    /// <summary>
    /// Parameter count by formula: (in+1)W for the input projection, D(W^2+W) for the blocks, (W+1)out for the head,
    /// plus 2W (scale, bias) per LayerNorm when it is on. Width 256, depth 32: about 2.1M.
    /// </summary>
    public long ParameterCount
    {
        get
        {
            long w = Width;
            long dense = (InputDim + 1L) * w + Depth * (w * w + w) + (w + 1) * OutputDim;
            long norms = LayerNorm ? HiddenLayers * 2L * w : 0;
            return dense + norms;
        }
    }

    /// <summary>Throws naming the field when a size is out of range; depth must be a positive multiple of 4.</summary>
    public MlpShape Validate()
    {
        CheckPositive(InputDim, nameof(InputDim));
        CheckPositive(OutputDim, nameof(OutputDim));
        CheckPositive(Width, nameof(Width));
        CheckDepth(Depth, nameof(Depth));
        return this;
    }

    /// <summary>One home for the depth rule, so a settings type can report its own field name.</summary>
    public static void CheckDepth(int depth, string field)
    {
        if (depth <= 0 || depth % LayersPerBlock != 0)
        {
            throw new ArgumentOutOfRangeException(field, depth,
                $"{field} must be a positive multiple of {LayersPerBlock} (4, 8, 16, 32, 64, ..., 1024); got {depth}.");
        }
    }

    public static void CheckPositive(int value, string field)
    {
        if (value <= 0) throw new ArgumentOutOfRangeException(field, value, $"{field} must be at least 1; got {value}.");
    }
}
