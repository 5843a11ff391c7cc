using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Envs;

/// <summary>
/// N point agents in a 2D maze of square cells, stepped together as tensor operations: the tensor stand-in for
/// the paper's Ant mazes. State = position (x, y) in world units (plus velocity for the inertial variant); goal =
/// a position; success = distance below the radius. Each axis is moved separately and clamped by a per-cell
/// bounds table (<see cref="MazeLayout.AxisBounds"/>), in sub-steps of at most half a cell, so the point slides
/// along walls and never enters or crosses one at any action. Random draws come from <see cref="CounterRandom"/>
/// keyed by (seed, env index, episode), so env i's trajectory does not depend on the batch size.
/// </summary>
public sealed class PointMaze : IGoalEnv
{
    /// <summary>Largest movement per axis per sub-step, in cells: below one cell, so a sub-step can only reach a neighbour.</summary>
    public const float MaxSubStepCells = 0.5f;

    /// <summary>How far from a wall the clamp stops the point (fraction of a cell), so it always stays in a free cell.</summary>
    public const float WallMargin = 1e-4f;

    private const int StartCellDraw = 0, StartNoiseXDraw = 1, StartNoiseYDraw = 2, GoalCellDraw = 3, GoalNoiseXDraw = 4, GoalNoiseYDraw = 5, Draws = 6;

    private readonly long _seed;
    private readonly int _subSteps;
    private readonly float _subStepSize;
    private readonly float _inverseCell;
    private readonly Tensor _xBounds, _yBounds, _startCells, _goalCells, _envIndex;
    private Tensor _state, _goals, _time, _episode;
    private MazeGeodesic? _geodesic;

    public PointMaze(MazeLayout layout, int numEnvs, long seed, PointMazeSettings? settings = null, Device? device = null)
    {
        if (numEnvs <= 0) throw new ArgumentOutOfRangeException(nameof(numEnvs), numEnvs, $"numEnvs must be > 0, got {numEnvs}");
        Settings = settings ?? new PointMazeSettings();
        Settings.Validate();
        Layout = layout;
        NumEnvs = numEnvs;
        Device = device ?? CPU;
        _seed = seed;
        var cell = Settings.CellSize;
        _inverseCell = 1f / cell;
        _subSteps = (int)Math.Ceiling(Settings.StepSize / (MaxSubStepCells * cell));
        _subStepSize = Settings.StepSize / _subSteps;

        var (xMin, xMax, yMin, yMax) = layout.AxisBounds(cell, WallMargin * cell);
        _xBounds = Pairs(xMin, xMax);
        _yBounds = Pairs(yMin, yMax);
        _startCells = CellTable(layout.Starts);
        _goalCells = CellTable(layout.Goals);
        _envIndex = arange(numEnvs, dtype: ScalarType.Int64, device: Device);
        _state = zeros(numEnvs, StateDim, device: Device);
        _goals = zeros(numEnvs, GoalDim, device: Device);
        _time = zeros(numEnvs, dtype: ScalarType.Int64, device: Device);
        _episode = zeros(numEnvs, dtype: ScalarType.Int64, device: Device);
        Reset();
    }

    public MazeLayout Layout { get; }
    public PointMazeSettings Settings { get; }
    public int NumEnvs { get; }
    public int StateDim => Settings.Dynamics == PointMazeDynamics.Inertial ? 4 : 2;
    public int ActionDim => 2;
    public int GoalDim => 2;
    public int GoalStart => 0;
    public float SuccessRadius => Settings.SuccessRadius;
    public int EpisodeLength => Settings.EpisodeLength;
    public Device Device { get; }

    public Tensor States => _state.alias();
    public Tensor Goals => _goals.alias();

    /// <summary>Steps taken in each env's current episode, int64 [N].</summary>
    public Tensor EpisodeSteps => _time.alias();

    /// <summary>Exact shortest-path distances in this maze (world units), built on first use.</summary>
    public MazeGeodesic Geodesic => _geodesic ??= new MazeGeodesic(Layout, Settings.CellSize);

    /// <summary>States [N, S] for positions [N, 2] (velocity zero): how the topology probe places the agent.</summary>
    public Tensor StatesAt(Tensor positions) =>
        StateDim == 2 ? positions.to(float32).to(Device).clone() : cat([positions.to(float32).to(Device), zeros(positions.shape[0], 2, device: Device)], 1);

    public void Reset(Tensor? mask = null)
    {
        using var scope = NewDisposeScope();
        var u = CounterRandom.Uniform(_seed, _envIndex, _episode, Draws);
        var start = CellCentres(_startCells, u, StartCellDraw, StartNoiseXDraw, StartNoiseYDraw, Settings.StartNoise);
        var state = StateDim == 2 ? start : cat([start, zeros(NumEnvs, 2, device: Device)], 1);
        var goals = CellCentres(_goalCells, u, GoalCellDraw, GoalNoiseXDraw, GoalNoiseYDraw, Settings.GoalNoise);
        var time = zeros_like(_time);
        var episode = _episode.add(1);
        if (mask is not null)
        {
            var m = mask.to(ScalarType.Bool).to(Device);
            var rows = m.unsqueeze(1);
            state = where(rows, state, _state);
            goals = where(rows, goals, _goals);
            time = where(m, time, _time);
            episode = where(m, episode, _episode);
        }
        Keep(state, goals, time, episode);
    }

    public EnvStep Step(Tensor actions)
    {
        if (actions.ndim != 2 || actions.shape[0] != NumEnvs || actions.shape[1] != ActionDim)
            throw new ArgumentException($"actions must have shape [{NumEnvs}, {ActionDim}], got [{string.Join(", ", actions.shape)}]", nameof(actions));
        using var scope = NewDisposeScope();
        var a = actions.to(float32).to(Device).nan_to_num(0, 1, -1).clamp(-1, 1);
        Tensor x = _state.select(1, 0), y = _state.select(1, 1), next;
        if (Settings.Dynamics == PointMazeDynamics.Kinematic)
        {
            var move = a.mul(_subStepSize);
            (x, y) = Move(x, y, move.select(1, 0), move.select(1, 1));
            next = stack([x, y], 1);
        }
        else
        {
            var velocity = _state.narrow(1, 2, 2).mul(Settings.Damping).add(a, alpha: Settings.Acceleration).clamp(-Settings.StepSize, Settings.StepSize);
            var move = velocity.div(_subSteps);
            var (newX, newY) = Move(x, y, move.select(1, 0), move.select(1, 1));
            next = stack([newX, newY, newX - x, newY - y], 1);
        }

        var success = next.select(1, 0).sub(_goals.select(1, 0)).hypot(next.select(1, 1).sub(_goals.select(1, 1))).lt(SuccessRadius);
        var time = _time.add(1);
        var done = time.ge(EpisodeLength);
        var goals = _goals.alias();
        Keep(next.alias(), _goals.alias(), time, _episode.alias());
        if (done.any().item<bool>()) Reset(done);
        return new EnvStep(next.MoveToOuterDisposeScope(), goals.MoveToOuterDisposeScope(), success.MoveToOuterDisposeScope(), done.MoveToOuterDisposeScope());
    }

    /// <summary>x first, then y, each clamped by the bounds of the cell the point is in when that axis moves.</summary>
    private (Tensor X, Tensor Y) Move(Tensor x, Tensor y, Tensor dx, Tensor dy)
    {
        for (var s = 0; s < _subSteps; s++)
        {
            var row = CellCoordinate(y);
            var bounds = _xBounds.index_select(0, CellIndex(CellCoordinate(x), row));
            x = x.add(dx).clamp(bounds.select(1, 0), bounds.select(1, 1));
            bounds = _yBounds.index_select(0, CellIndex(CellCoordinate(x), row));
            y = y.add(dy).clamp(bounds.select(1, 0), bounds.select(1, 1));
        }
        return (x, y);
    }

    private Tensor CellCoordinate(Tensor v) => _inverseCell == 1f ? v.floor() : v.mul(_inverseCell).floor();

    private Tensor CellIndex(Tensor col, Tensor row) => col.add(row, alpha: Layout.Columns).to_type(ScalarType.Int64);

    /// <summary>Picks a cell from the table with draw <paramref name="cellDraw"/> and returns its centre plus uniform noise, world units [N, 2].</summary>
    private Tensor CellCentres(Tensor cells, Tensor u, int cellDraw, int noiseXDraw, int noiseYDraw, float noise)
    {
        var count = cells.shape[0];
        var pick = u.select(1, cellDraw).mul(count).floor().clamp_max(count - 1).to_type(ScalarType.Int64);
        var jitter = stack([u.select(1, noiseXDraw), u.select(1, noiseYDraw)], 1).mul(2).sub(1).mul(noise);
        return cells.index_select(0, pick).add(0.5f).add(jitter).mul(Settings.CellSize);
    }

    /// <summary>Takes ownership of the new episode tensors (out of any dispose scope) and frees the old ones.</summary>
    private void Keep(Tensor state, Tensor goals, Tensor time, Tensor episode)
    {
        Tensor[] old = [_state, _goals, _time, _episode];
        _state = state.DetachFromDisposeScope();
        _goals = goals.DetachFromDisposeScope();
        _time = time.DetachFromDisposeScope();
        _episode = episode.DetachFromDisposeScope();
        foreach (var t in old) t.Dispose();
    }

    private Tensor Pairs(float[] low, float[] high)
    {
        var data = new float[low.Length * 2];
        for (var i = 0; i < low.Length; i++) (data[2 * i], data[2 * i + 1]) = (low[i], high[i]);
        return tensor(data, [low.Length, 2], device: Device);
    }

    /// <summary>Cells as (col, row) floats [count, 2], so that col + 0.5 is the centre's x in cells.</summary>
    private Tensor CellTable(IReadOnlyList<(int Row, int Col)> cells) =>
        tensor(cells.SelectMany(c => new float[] { c.Col, c.Row }).ToArray(), [cells.Count, 2], device: Device);

    public void Dispose()
    {
        foreach (var t in new[] { _xBounds, _yBounds, _startCells, _goalCells, _envIndex, _state, _goals, _time, _episode }) t.Dispose();
    }
}
