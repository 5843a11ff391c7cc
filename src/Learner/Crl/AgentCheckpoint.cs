using System.Text;
using Fathom.Learner.Nets;
using static TorchSharp.torch;

namespace Fathom.Learner.Crl;

/// <summary>
/// The whole-agent checkpoint format: header, the three network shapes, then per trained part its values and Adam
/// state, then the counters and the generator state. Restoring and continuing reproduces a straight run bit for bit.
/// </summary>
internal static class AgentCheckpoint
{
    private const string Magic = "FATHOM-CRL-CHECKPOINT";
    private const int FormatVersion = 1;

    public static void Write(Stream stream, CrlAgent agent)
    {
        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(Magic);
        writer.Write(FormatVersion);
        writer.Write(ShapeText(agent.Config));
        foreach (var (_, parameters, optimizer) in agent.TrainedParts)
        {
            TensorStreams.Write(writer, parameters.Values);
            optimizer.Save(writer);
        }
        writer.Write(agent.UpdateCount);
        writer.Write(agent.SkippedUpdates);
        using var rng = agent.Generator.get_state();
        writer.Write(rng.numel());
        writer.Write(rng.bytes);
    }

    public static void Read(Stream stream, CrlAgent agent)
    {
        using var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true);
        if (reader.ReadString() != Magic) throw new InvalidDataException("not a Fathom CRL checkpoint.");
        int version = reader.ReadInt32();
        if (version != FormatVersion) throw new InvalidDataException($"checkpoint format {version} is not supported (this build reads {FormatVersion}).");
        string shapes = reader.ReadString();
        if (shapes != ShapeText(agent.Config))
        {
            throw new InvalidDataException($"checkpoint networks ({shapes}) differ from this agent's ({ShapeText(agent.Config)}).");
        }
        foreach (var (name, parameters, optimizer) in agent.TrainedParts)
        {
            TensorStreams.Read(reader, parameters.Values, name);
            optimizer.Load(reader);
        }
        agent.RestoreCounters(reader.ReadInt64(), reader.ReadInt64());
        long rngBytes = reader.ReadInt64();
        using var rng = zeros(rngBytes, dtype: ScalarType.Byte);
        rng.bytes = reader.ReadBytes(checked((int)rngBytes));
        agent.Generator.set_state(rng);
    }

    private static string ShapeText(CrlConfig config) =>
        $"actor {config.ActorShape}; phi {config.StateActionEncoderShape}; psi {config.GoalEncoderShape}";
}
