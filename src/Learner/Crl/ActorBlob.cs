using System.Text;
using Fathom.Learner.Nets;

namespace Fathom.Learner.Crl;

/// <summary>
/// The actor-only weight blob that travels from a learner to collectors through the weight store: magic, format
/// version, the shape, the update count it was taken at, then the parameters. <see cref="Open"/> checks the format
/// (magic, version, a plausible shape, and exactly the bytes that shape needs) and rejects anything else with
/// <see cref="InvalidDataException"/>. It carries no checksum of its own: every stored blob, actor or checkpoint, goes
/// through the store's chunked layer (Fathom.Grains.Stores.ChunkedBlobs), which checks a SHA-256 of the whole blob on
/// every read, so a second hash here would check the same bytes twice.
/// </summary>
public static class ActorBlob
{
    public const int FormatVersion = 2;
    private static readonly byte[] Magic = "FTHMACTR"u8.ToArray();

    /// <summary>Magic, version, state and goal dims, four shape ints, layer norm, activation, residual, update count.</summary>
    private const int HeaderBytes = 8 + 4 + 2 * 4 + 4 * 4 + 1 + 4 + 1 + 8;

    /// <summary>Largest depth or width a blob may declare (the spec's own limits), so a garbled shape is refused before any allocation.</summary>
    private const int MaxLayerSize = 1 << 14;

    /// <summary>What a blob declares about the actor it carries.</summary>
    public sealed record Header(int StateDim, int GoalDim, MlpShape Shape, long UpdateCount);

    public static byte[] Export(GoalConditionedActor actor, int stateDim, int goalDim, long updateCount)
    {
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            var shape = actor.Network.Shape;
            writer.Write(Magic);
            writer.Write(FormatVersion);
            writer.Write(stateDim);
            writer.Write(goalDim);
            writer.Write(shape.InputDim);
            writer.Write(shape.OutputDim);
            writer.Write(shape.Depth);
            writer.Write(shape.Width);
            writer.Write(shape.LayerNorm);
            writer.Write((int)shape.Activation);
            writer.Write(shape.Residual);
            writer.Write(updateCount);
            TensorStreams.Write(writer, actor.Network.Parameters.Values);
        }
        return body.ToArray();
    }

    /// <summary>Checks magic, version and sizes, then reads the header; the reader is left at the parameters.</summary>
    public static (Header Header, BinaryReader Parameters) Open(byte[] blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (blob.Length < Magic.Length + sizeof(int) || !blob.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a Fathom actor blob.");
        }
        int version = BitConverter.ToInt32(blob, Magic.Length);
        if (version != FormatVersion) throw new InvalidDataException($"actor blob format {version} is not supported (this build reads {FormatVersion}).");
        if (blob.Length < HeaderBytes + sizeof(long)) throw new InvalidDataException($"actor blob of {blob.Length} bytes is shorter than its header: truncated.");
        var reader = new BinaryReader(new MemoryStream(blob, writable: false));
        reader.ReadBytes(Magic.Length + sizeof(int));
        int stateDim = reader.ReadInt32();
        int goalDim = reader.ReadInt32();
        var shape = new MlpShape(
            InputDim: reader.ReadInt32(), OutputDim: reader.ReadInt32(), Depth: reader.ReadInt32(), Width: reader.ReadInt32(),
            LayerNorm: reader.ReadBoolean(), Activation: (Activation)reader.ReadInt32(), Residual: reader.ReadBoolean());
        long updates = reader.ReadInt64();
        if (stateDim < 1 || goalDim < 1 || shape.InputDim != stateDim + goalDim)
            throw new InvalidDataException($"actor blob input {shape.InputDim} is not state {stateDim} + goal {goalDim}.");
        if (shape.OutputDim is < 2 or > MaxLayerSize || shape.Depth is < 1 or > MaxLayerSize || shape.Width is < 1 or > MaxLayerSize
            || shape.InputDim > MaxLayerSize || !Enum.IsDefined(shape.Activation))
            throw new InvalidDataException($"actor blob declares an implausible network ({shape}).");
        long declared = reader.ReadInt64();
        long parameterBytes = blob.Length - HeaderBytes - sizeof(long);
        if (declared != shape.ParameterCount || parameterBytes != shape.ParameterCount * sizeof(float))
        {
            throw new InvalidDataException(
                $"actor blob sizes disagree: its shape needs {shape.ParameterCount} parameters, it declares {declared} and holds {parameterBytes} bytes of them ({shape.ParameterCount * sizeof(float)} expected).");
        }
        reader.BaseStream.Position = HeaderBytes;
        return (new Header(stateDim, goalDim, shape, updates), reader);
    }
}
