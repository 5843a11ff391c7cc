using System.Text.Json;
using Fathom.Client.Results;

namespace Fathom.Client.Running;

/// <summary>
/// Where an interrupted run stopped, kept in results/&lt;run&gt;/checkpoint/ next to each learner's whole
/// checkpoint (networks, optimiser moments, update count) copied out of the store. A run is executed in
/// segments: the first under the run's own name, each resume under a fresh grain key, so a resumed run never
/// collides with the persisted state of the stopped one; env steps continue from <see cref="EnvSteps"/>.
/// </summary>
public sealed record ResumePoint(int Segment, long EnvSteps, Dictionary<string, long> Updates)
{
    const string FileName = "resume.json";

    /// <summary>The grain key of segment <paramref name="segment"/> of <paramref name="run"/> (segment 1 is the run name itself).</summary>
    public static string SegmentKey(string run, int segment) => Fathom.Grains.Contracts.GrainKeys.Segment(run, segment);

    public static string LearnerFile(RunFolder folder, string learner) => Path.Combine(folder.Checkpoint, learner + ".ckpt");

    /// <summary>
    /// The run's resume point, or null when it has none; throws <see cref="InvalidDataException"/> saying which file and
    /// why when the point does not parse or a learner checkpoint it names is missing, so a resume fails before it starts.
    /// </summary>
    public static ResumePoint? Read(RunFolder folder)
    {
        var path = Path.Combine(folder.Checkpoint, FileName);
        if (!File.Exists(path)) return null;
        ResumePoint? point;
        try
        {
            point = JsonSerializer.Deserialize<ResumePoint>(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path} does not parse ({e.Message})");
        }
        if (point?.Updates is null) throw new InvalidDataException($"{path} holds no learners' update counts");
        foreach (var learner in point.Updates.Keys)
            if (!File.Exists(LearnerFile(folder, learner)))
                throw new InvalidDataException($"the checkpoint of learner '{learner}' is missing: {LearnerFile(folder, learner)}");
        return point;
    }

    public void Write(RunFolder folder)
    {
        Directory.CreateDirectory(folder.Checkpoint);
        File.WriteAllText(Path.Combine(folder.Checkpoint, FileName), JsonSerializer.Serialize(this, new JsonSerializerOptions { WriteIndented = true }));
    }
}
