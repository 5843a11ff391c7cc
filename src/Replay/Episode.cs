using System.Text;

namespace Fathom.Replay;

/// <summary>
/// One finished episode of length T: T+1 states s_0..s_T (s_T follows the last action) and T actions,
/// float32, row-major. Episodes are the unit of transport, so a hindsight goal never comes from another episode.
/// </summary>
public sealed class Episode
{
    /// <summary>Upper bound on the producer name in UTF-8 bytes.</summary>
    public const int MaxProducerBytes = 256;

    /// <summary>Upper bound on T, so a corrupted header cannot ask for gigabytes.</summary>
    public const int MaxLength = 1 << 20;

    public Episode(EpisodeLayout layout, int length, float[] states, float[] actions, string producer, long policyVersion, long sequence)
    {
        if (layout.StateDim == 0) throw new ArgumentException("Layout must be constructed with its widths.", nameof(layout));
        if (length is < 1 or > MaxLength) throw new ArgumentOutOfRangeException(nameof(length), length, $"Length must be in [1, {MaxLength}].");
        ArgumentNullException.ThrowIfNull(states);
        ArgumentNullException.ThrowIfNull(actions);
        if (states.Length != (long)(length + 1) * layout.StateDim)
            throw new ArgumentException($"States must hold (Length+1)*StateDim = {(long)(length + 1) * layout.StateDim} floats, got {states.Length}.", nameof(states));
        if (actions.Length != (long)length * layout.ActionDim)
            throw new ArgumentException($"Actions must hold Length*ActionDim = {(long)length * layout.ActionDim} floats, got {actions.Length}.", nameof(actions));
        if (string.IsNullOrEmpty(producer) || Encoding.UTF8.GetByteCount(producer) > MaxProducerBytes)
            throw new ArgumentException($"Producer must be 1..{MaxProducerBytes} UTF-8 bytes.", nameof(producer));
        ArgumentOutOfRangeException.ThrowIfNegative(policyVersion);
        ArgumentOutOfRangeException.ThrowIfNegative(sequence);
        Layout = layout;
        Length = length;
        States = states;
        Actions = actions;
        Producer = producer;
        PolicyVersion = policyVersion;
        Sequence = sequence;
    }

    public EpisodeLayout Layout { get; }
    /// <summary>T: the number of transitions (actions).</summary>
    public int Length { get; }
    /// <summary>(T+1) x StateDim, row-major.</summary>
    public float[] States { get; }
    /// <summary>T x ActionDim, row-major.</summary>
    public float[] Actions { get; }
    /// <summary>Who wrote it (e.g. a collector name); with <see cref="Sequence"/> it names the episode.</summary>
    public string Producer { get; }
    /// <summary>Version of the behaviour policy that acted.</summary>
    public long PolicyVersion { get; }
    /// <summary>The producer's running number of this episode.</summary>
    public long Sequence { get; }

    /// <summary>Unique name of the episode within a run: appending the same id twice stores it once.</summary>
    public string Id => IdOf(Producer, Sequence);

    /// <summary>The one place an episode id is formed, also for blobs read in place.</summary>
    public static string IdOf(string producer, long sequence) => $"{producer}#{sequence}";
}
