using System.Security.Cryptography;
using System.Text;
using Fathom.Learner.Nets;

namespace Fathom.Learner.Crl;

/// <summary>
/// The actor-only weight blob that travels from a learner to collectors through the weight store: a format
/// version, the shape, the update count it was taken at, the parameters, and a SHA-256 over all of it.
/// A blob that fails any of these is rejected with <see cref="InvalidDataException"/>, never acted on.
/// </summary>
public static class ActorBlob
{
    public const int FormatVersion = 1;
    private static readonly byte[] Magic = "FTHMACTR"u8.ToArray();
    private const int HashBytes = 32;

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
        body.Write(SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length)));
        return body.ToArray();
    }

    /// <summary>Checks magic, version and checksum, then reads the header; the reader is left at the parameters.</summary>
    public static (Header Header, BinaryReader Parameters) Open(byte[] blob)
    {
        ArgumentNullException.ThrowIfNull(blob);
        if (blob.Length < Magic.Length + sizeof(int) + HashBytes || !blob.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            throw new InvalidDataException("not a Fathom actor blob.");
        }
        int version = BitConverter.ToInt32(blob, Magic.Length);
        if (version != FormatVersion) throw new InvalidDataException($"actor blob format {version} is not supported (this build reads {FormatVersion}).");
        int bodyLength = blob.Length - HashBytes;
        if (!SHA256.HashData(blob.AsSpan(0, bodyLength)).AsSpan().SequenceEqual(blob.AsSpan(bodyLength)))
        {
            throw new InvalidDataException("actor blob checksum mismatch: the blob is corrupt or truncated.");
        }
        var reader = new BinaryReader(new MemoryStream(blob, 0, bodyLength, writable: false));
        reader.ReadBytes(Magic.Length + sizeof(int));
        int stateDim = reader.ReadInt32();
        int goalDim = reader.ReadInt32();
        var shape = new MlpShape(
            InputDim: reader.ReadInt32(), OutputDim: reader.ReadInt32(), Depth: reader.ReadInt32(), Width: reader.ReadInt32(),
            LayerNorm: reader.ReadBoolean(), Activation: (Activation)reader.ReadInt32(), Residual: reader.ReadBoolean());
        long updates = reader.ReadInt64();
        if (shape.InputDim != stateDim + goalDim) throw new InvalidDataException($"actor blob input {shape.InputDim} is not state {stateDim} + goal {goalDim}.");
        return (new Header(stateDim, goalDim, shape, updates), reader);
    }
}
