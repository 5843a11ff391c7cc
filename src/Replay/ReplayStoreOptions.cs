using System.Text.RegularExpressions;

namespace Fathom.Replay;

/// <summary>What every replay store of a run is configured with; validated on construction.</summary>
public sealed partial record ReplayStoreOptions
{
    public ReplayStoreOptions(string run, EpisodeLayout layout, long capacityTransitions)
    {
        if (run is null || !RunName().IsMatch(run))
            throw new ArgumentException($"Run must be 1..64 characters of [A-Za-z0-9._-], got '{run}'.", nameof(run));
        if (layout.StateDim == 0) throw new ArgumentException("Layout must be constructed with its widths.", nameof(layout));
        if (capacityTransitions is < 1 or > 1L << 40)
            throw new ArgumentOutOfRangeException(nameof(capacityTransitions), capacityTransitions, "CapacityTransitions must be in [1, 2^40].");
        Run = run;
        Layout = layout;
        CapacityTransitions = capacityTransitions;
    }

    /// <summary>Namespace of all keys and metrics of this run.</summary>
    public string Run { get; }

    /// <summary>The one episode shape of the run; episodes of another shape are refused on append and rejected on read.</summary>
    public EpisodeLayout Layout { get; }

    /// <summary>Capacity of the whole store in transitions, split evenly over the shards (rounded down).</summary>
    public long CapacityTransitions { get; }

    /// <summary>Bound on every store operation; beyond it a shard counts as unavailable.</summary>
    public TimeSpan OperationTimeout
    {
        get;
        init => field = value > TimeSpan.Zero ? value : throw new ArgumentOutOfRangeException(nameof(OperationTimeout), value, "OperationTimeout must be positive.");
    } = TimeSpan.FromSeconds(10);

    /// <summary>Capacity of each shard in transitions.</summary>
    public long ShardCapacity(int shardCount) => CapacityTransitions / shardCount;

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex RunName();
}
