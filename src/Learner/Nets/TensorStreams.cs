using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Fathom.Learner.Nets;

/// <summary>Flat float32 tensors to and from binary streams: element count, then raw little-endian floats.</summary>
public static class TensorStreams
{
    public static void Write(BinaryWriter writer, Tensor tensor)
    {
        using var cpu = tensor.detach().contiguous().cpu();
        writer.Write(cpu.numel());
        writer.Write(cpu.bytes);
    }

    /// <summary>Reads into an existing tensor of the same element count; a mismatch names what was being read.</summary>
    public static void Read(BinaryReader reader, Tensor into, string what)
    {
        long count = reader.ReadInt64();
        if (count != into.numel())
        {
            throw new InvalidDataException($"{what}: the stream holds {count} values, this network needs {into.numel()}.");
        }
        var bytes = reader.ReadBytes(checked((int)(count * sizeof(float))));
        if (bytes.Length != count * sizeof(float)) throw new EndOfStreamException($"{what}: the stream ended early.");
        using var values = tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray());
        // The view is held in a using variable: as an unreferenced temporary its finalizer could free it while copy_
        // reads it (a collector crashed so, importing new weights outside any dispose scope).
        using var shaped = values.view(into.shape);
        using (no_grad()) into.copy_(shaped);
    }
}
