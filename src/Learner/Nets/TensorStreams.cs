using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Fathom.Learner.Nets;

/// <summary>Flat float32 tensors to and from binary streams: element count, then raw little-endian floats.</summary>
public static class TensorStreams
{
    public static void Write(BinaryWriter writer, Tensor tensor)
    {
        // Each step held until the next returns (a learner publishes outside its update's dispose scope).
        using var detached = tensor.detach();
        using var dense = detached.contiguous();
        using var cpu = dense.cpu();
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
        // Built in its final shape and held until copy_ returns: an unheld temporary (a view) could be freed by its
        // finalizer mid-copy, and a collector imports weights outside any dispose scope.
        using var values = tensor(MemoryMarshal.Cast<byte, float>(bytes).ToArray(), into.shape);
        using (no_grad()) into.copy_(values);
    }
}
