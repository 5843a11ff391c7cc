using System.Text;
using Fathom.Learner.Nets;
using static TorchSharp.torch;

namespace Fathom.Learner.Crl;

/// <summary>
/// The whole-agent checkpoint format, shared by every algorithm: header (the algorithm's magic, format version, the
/// network shapes), then per part its values and, for a trained part, its Adam state, then the counters and the
/// generator state. Restoring and continuing reproduces a straight run bit for bit.
/// </summary>
internal static class AgentCheckpoint
{
    private const string CrlMagic = "FATHOM-CRL-CHECKPOINT";
    private const int FormatVersion = 1;

    /// <summary>One network's parameters in a checkpoint; <paramref name="Optimizer"/> is null for a part that is not trained by gradient (a target network).</summary>
    public sealed record Part(string Name, FlatParameters Parameters, FlatAdam? Optimizer);

    public static void Write(Stream stream, CrlAgent agent) =>
        Write(stream, CrlMagic, ShapeText(agent.Config), CrlParts(agent), agent.UpdateCount, agent.SkippedUpdates, agent.Generator);

    public static void Read(Stream stream, CrlAgent agent)
    {
        var (updates, skipped) = Read(stream, CrlMagic, ShapeText(agent.Config), CrlParts(agent), agent.Generator);
        agent.RestoreCounters(updates, skipped);
    }

    /// <summary>Writes a checkpoint of <paramref name="parts"/> under <paramref name="magic"/> (which names the algorithm).</summary>
    public static void Write(Stream stream, string magic, string shapes, IEnumerable<Part> parts, long updateCount, long skippedUpdates, Generator generator)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(magic);
        writer.Write(FormatVersion);
        writer.Write(shapes);
        foreach (var part in parts)
        {
            TensorStreams.Write(writer, part.Parameters.Values);
            part.Optimizer?.Save(writer);
        }
        writer.Write(updateCount);
        writer.Write(skippedUpdates);
        using var rng = generator.get_state();
        writer.Write(rng.numel());
        writer.Write(rng.bytes);
    }

    /// <summary>Reads a checkpoint written by <see cref="Write(Stream, string, string, IEnumerable{Part}, long, long, Generator)"/> into the parts; returns the counters.</summary>
    public static (long UpdateCount, long SkippedUpdates) Read(Stream stream, string magic, string shapes, IEnumerable<Part> parts, Generator generator)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        string found = reader.ReadString();
        if (found != magic) throw new InvalidDataException($"not a {magic} (found \"{found}\").");
        int version = reader.ReadInt32();
        if (version != FormatVersion) throw new InvalidDataException($"checkpoint format {version} is not supported (this build reads {FormatVersion}).");
        string stored = reader.ReadString();
        if (stored != shapes) throw new InvalidDataException($"checkpoint networks ({stored}) differ from this agent's ({shapes}).");
        foreach (var part in parts)
        {
            TensorStreams.Read(reader, part.Parameters.Values, part.Name);
            part.Optimizer?.Load(reader);
        }
        var counters = (reader.ReadInt64(), reader.ReadInt64());
        long rngBytes = reader.ReadInt64();
        using var rng = zeros(rngBytes, dtype: ScalarType.Byte);
        rng.bytes = reader.ReadBytes(checked((int)rngBytes));
        generator.set_state(rng);
        return counters;
    }

    private static IEnumerable<Part> CrlParts(CrlAgent agent) => agent.TrainedParts.Select(p => new Part(p.Name, p.Parameters, p.Optimizer));

    private static string ShapeText(CrlConfig config) =>
        $"actor {config.ActorShape}; phi {config.StateActionEncoderShape}; psi {config.GoalEncoderShape}";
}
