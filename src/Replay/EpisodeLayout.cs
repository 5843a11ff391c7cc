namespace Fathom.Replay;

/// <summary>
/// The shape of one run's episodes: state and action widths and where the goal sits inside a state.
/// Every blob carries it, so a learner never trains on data of another shape.
/// </summary>
public readonly record struct EpisodeLayout
{
    /// <summary>Upper bound on any width, so a corrupted header cannot ask for gigabytes.</summary>
    public const int MaxDim = 1 << 16;

    public EpisodeLayout(int stateDim, int actionDim, int goalStart, int goalDim)
    {
        if (stateDim is < 1 or > MaxDim) throw new ArgumentOutOfRangeException(nameof(stateDim), stateDim, $"StateDim must be in [1, {MaxDim}].");
        if (actionDim is < 1 or > MaxDim) throw new ArgumentOutOfRangeException(nameof(actionDim), actionDim, $"ActionDim must be in [1, {MaxDim}].");
        if (goalDim < 1 || goalDim > stateDim) throw new ArgumentOutOfRangeException(nameof(goalDim), goalDim, $"GoalDim must be in [1, StateDim={stateDim}].");
        if (goalStart < 0 || goalStart > stateDim - goalDim) throw new ArgumentOutOfRangeException(nameof(goalStart), goalStart, $"GoalStart must be in [0, StateDim-GoalDim={stateDim - goalDim}].");
        StateDim = stateDim;
        ActionDim = actionDim;
        GoalStart = goalStart;
        GoalDim = goalDim;
    }

    public int StateDim { get; }
    public int ActionDim { get; }
    /// <summary>First index of the goal slice [GoalStart, GoalStart+GoalDim) of a state.</summary>
    public int GoalStart { get; }
    public int GoalDim { get; }

    public override string ToString() => $"S={StateDim} A={ActionDim} goal=[{GoalStart},{GoalStart + GoalDim})";
}
