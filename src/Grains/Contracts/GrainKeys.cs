namespace Fathom.Grains.Contracts;

/// <summary>The one home of grain key formats: a run's workers are keyed under the run name.</summary>
public static class GrainKeys
{
    public static string Learner(string run, string learner) => $"{run}/learner/{learner}";

    public static string Collector(string run, int index) => $"{run}/collector/{index}";

    private const string SiloCollectorMark = "/silo-collector/";

    /// <summary>
    /// A collector of a per-silo group, pinned to <paramref name="silo"/> (its parsable address, generation included,
    /// so a restarted silo is a new one); <paramref name="slot"/> numbers the collectors of the run on that silo.
    /// </summary>
    public static string Collector(string run, SiloAddress silo, int slot) => $"{run}{SiloCollectorMark}{silo.ToParsableString()}/{slot}";

    /// <summary>The silo a collector key from <see cref="Collector(string, SiloAddress, int)"/> names; null for any other key.</summary>
    public static SiloAddress? PinnedSilo(string key)
    {
        var mark = key.LastIndexOf(SiloCollectorMark, StringComparison.Ordinal);
        var end = key.LastIndexOf('/');
        if (mark < 0 || end <= mark + SiloCollectorMark.Length) return null;
        try
        {
            return SiloAddress.FromParsableString(key[(mark + SiloCollectorMark.Length)..end]);
        }
        catch (Exception e) when (e is FormatException or ArgumentException or OverflowException)
        {
            return null;
        }
    }

    private const string SegmentMark = ".resume";

    /// <summary>The experiment grain key of segment <paramref name="segment"/> of a run (segment 1 is the run name itself; a resume starts the next).</summary>
    public static string Segment(string run, int segment) => segment <= 1 ? run : $"{run}{SegmentMark}{segment}";

    /// <summary>The segment number <paramref name="key"/> names of <paramref name="run"/>: 1 for the run itself, N for "run.resumeN", 0 for neither.</summary>
    public static int SegmentNumber(string key, string run) =>
        key == run ? 1
        : key.StartsWith(run + SegmentMark, StringComparison.Ordinal)
          && int.TryParse(key.AsSpan(run.Length + SegmentMark.Length), System.Globalization.NumberStyles.None, null, out var n) && n >= 2 ? n : 0;
}
