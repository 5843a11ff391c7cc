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
public sealed class PointMaze : IMazeEnv
{
    /// <summary>Largest movement per axis per sub-step, in cells: below one cell, so a sub-step can only reach a neighbour.</summary>
    public const float MaxSubStepCells = 0.5f;

    /// <summary>How far from a wall the clamp stops the point (fraction of a cell), so it always stays in a free cell.</summary>
    public const float WallMargin = 1e-4f;

    private const int StartCellDraw = 0, StartNoiseXDraw = 1, StartNoiseYDraw = 2, GoalCellDraw = 3, GoalNoiseXDraw = 4, GoalNoiseYDraw = 5, Draws = 6;

    private readonly long _seed;
    private readonly int _subSteps;
    private readonly float _subStepSize;
    private readonly Tensor _xMin, _xMax, _yMin, _yMax, _startCols, _startRows, _goalCols, _goalRows, _envIndex;

    // Per-env episode data. Positions, velocities and goals are kept as separate contiguous [N] columns because
    // element-wise ops on them are several times faster than on interleaved [N, 2] tensors; the [N, S] state and
    // [N, G] goal tensors the contract hands out are assembled once per step (state) or per reset (goals).
    private Tensor _x, _y, _vx, _vy, _goalX, _goalY, _state, _goals, _time, _episode;
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
        _subSteps = (int)Math.Ceiling(Settings.StepSize / (MaxSubStepCells * cell));
        _subStepSize = Settings.StepSize / _subSteps;

        // The env owns its tensors: none may belong to a dispose scope the caller happens to have open.
        var (xMin, xMax, yMin, yMax) = layout.AxisBounds(cell, WallMargin * cell);
        (_xMin, _xMax, _yMin, _yMax) = (Owned(tensor(xMin, device: Device)), Owned(tensor(xMax, device: Device)), Owned(tensor(yMin, device: Device)), Owned(tensor(yMax, device: Device)));
        (_startCols, _startRows) = (Owned(CellTable(layout.Starts, c => c.Col)), Owned(CellTable(layout.Starts, c => c.Row)));
        (_goalCols, _goalRows) = (Owned(CellTable(layout.Goals, c => c.Col)), Owned(CellTable(layout.Goals, c => c.Row)));
        _envIndex = Owned(arange(numEnvs, dtype: ScalarType.Int64, device: Device));
        (_x, _y, _vx, _vy, _goalX, _goalY) = (Column(), Column(), Column(), Column(), Column(), Column());
        _state = Owned(zeros(numEnvs, StateDim, device: Device));
        _goals = Owned(zeros(numEnvs, GoalDim, device: Device));
        _time = Owned(zeros(numEnvs, dtype: ScalarType.Int32, device: Device));
        _episode = Owned(zeros(numEnvs, dtype: ScalarType.Int64, device: Device));
        Reset();
    }

    public MazeLayout Layout { get; }
    public PointMazeSettings Settings { get; }
    public int NumEnvs { get; }
    public int StateDim => StateDimOf(Settings);
    public int ActionDim => ActionSize;
    public int GoalDim => GoalSize;
    public int GoalStart => 0;
    public float CellSize => Settings.CellSize;

    /// <summary>The state's size under <paramref name="settings"/>: position, and velocity when the dynamics are inertial.</summary>
    public static int StateDimOf(PointMazeSettings settings) => settings.Dynamics == PointMazeDynamics.Inertial ? 4 : 2;

    /// <summary>The action's size (a 2-D push) and the goal's (a position): the same for every PointMaze.</summary>
    public const int ActionSize = 2, GoalSize = 2;
    public float SuccessRadius => Settings.SuccessRadius;
    public int EpisodeLength => Settings.EpisodeLength;
    public Device Device { get; }

    public Tensor States => _state.alias();
    public Tensor Goals => _goals.alias();

    /// <summary>Steps taken in each env's current episode, int32 [N].</summary>
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
        var (x, y) = CellCentres(_startCols, _startRows, u[StartCellDraw], u[StartNoiseXDraw], u[StartNoiseYDraw], Settings.StartNoise);
        var (goalX, goalY) = CellCentres(_goalCols, _goalRows, u[GoalCellDraw], u[GoalNoiseXDraw], u[GoalNoiseYDraw], Settings.GoalNoise);
        Tensor vx = zeros_like(_vx), vy = zeros_like(_vy), time = zeros_like(_time), episode = _episode.add(Scalars.Of(1L), Scalars.One);
        if (mask is not null)
        {
            var m = mask.to(ScalarType.Bool).to(Device);
            (x, y, vx, vy) = (where(m, x, _x), where(m, y, _y), where(m, vx, _vx), where(m, vy, _vy));
            (goalX, goalY) = (where(m, goalX, _goalX), where(m, goalY, _goalY));
            (time, episode) = (where(m, time, _time), where(m, episode, _episode));
        }
        Keep(x, y, vx, vy, StateOf(x, y, vx, vy), time);
        Replace(ref _goalX, goalX);
        Replace(ref _goalY, goalY);
        Replace(ref _goals, Columns(goalX, goalY));
        Replace(ref _episode, episode);
    }

    public EnvStep Step(Tensor actions)
    {
        if (actions.ndim != 2 || actions.shape[0] != NumEnvs || actions.shape[1] != ActionDim)
            throw new ArgumentException($"actions must have shape [{NumEnvs}, {ActionDim}], got [{string.Join(", ", actions.shape)}]", nameof(actions));
        using var scope = NewDisposeScope();
        // Per-column [N] ops stay under libtorch's parallel grain size, so no thread fork-join per op.
        var input = actions.to(float32).to(Device);
        Tensor ax = Action(input, 0), ay = Action(input, 1), x, y, vx = _vx, vy = _vy;
        if (Settings.Dynamics == PointMazeDynamics.Kinematic)
        {
            (x, y) = Move(_x, _y, ax.mul_(Scalars.Of(_subStepSize)), ay.mul_(Scalars.Of(_subStepSize)));
        }
        else
        {
            vx = _vx.mul(Scalars.Of(Settings.Damping)).add_(ax, alpha: Scalars.Of(Settings.Acceleration)).clamp_(Scalars.Of(-Settings.StepSize), Scalars.Of(Settings.StepSize));
            vy = _vy.mul(Scalars.Of(Settings.Damping)).add_(ay, alpha: Scalars.Of(Settings.Acceleration)).clamp_(Scalars.Of(-Settings.StepSize), Scalars.Of(Settings.StepSize));
            (x, y) = Move(_x, _y, vx.div(Scalars.Of((long)_subSteps)), vy.div(Scalars.Of((long)_subSteps)));
            (vx, vy) = (x.sub(_x), y.sub(_y));  // the velocity actually realised: a wall stops the blocked axis
        }

        var next = StateOf(x, y, vx, vy);
        var success = x.sub(_goalX).hypot(y.sub(_goalY)).lt(Scalars.Of(SuccessRadius));
        var time = _time.add(Scalars.Of(1L), Scalars.One);
        var done = time.ge(Scalars.Of((long)EpisodeLength));
        var goals = _goals.alias();
        Keep(x, y, vx, vy, next.alias(), time);
        if (done.any().item<bool>()) Reset(done);
        return new EnvStep(next.MoveToOuterDisposeScope(), goals.MoveToOuterDisposeScope(), success.MoveToOuterDisposeScope(), done.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// x first, then y, each clamped by the bounds of the cell the point is in when that axis moves. Positions are
    /// positive, so truncation to an integer is the floor that finds the cell.
    /// </summary>
    private (Tensor X, Tensor Y) Move(Tensor x, Tensor y, Tensor dx, Tensor dy)
    {
        var inverseCell = 1f / Settings.CellSize;
        for (var s = 0; s < _subSteps; s++)
        {
            var row = CellCoordinate(y, inverseCell);
            var cell = CellCoordinate(x, inverseCell).add_(row, alpha: Scalars.Of((long)Layout.Columns));
            x = x.add(dx, Scalars.One).clamp_(_xMin.index_select(0, cell), _xMax.index_select(0, cell));
            cell = CellCoordinate(x, inverseCell).add_(row, alpha: Scalars.Of((long)Layout.Columns));
            y = y.add(dy, Scalars.One).clamp_(_yMin.index_select(0, cell), _yMax.index_select(0, cell));
        }
        return (x, y);
    }

    private static Tensor Action(Tensor actions, int column) => actions.select(1, column).nan_to_num(0, 1, -1).clamp_(Scalars.Of(-1L), Scalars.Of(1L));

    private static Tensor CellCoordinate(Tensor v, float inverseCell) =>
        (inverseCell == 1f ? v : v.mul(Scalars.Of(inverseCell))).to_type(ScalarType.Int32);

    private Tensor StateOf(Tensor x, Tensor y, Tensor vx, Tensor vy) =>
        Settings.Dynamics == PointMazeDynamics.Kinematic ? Columns(x, y) : Columns(x, y, vx, vy);

    /// <summary>[N] columns into one [N, k] tensor (copying into a fresh buffer beats stack's last-dim path on the CPU).</summary>
    private Tensor Columns(params Tensor[] columns)
    {
        var result = empty(NumEnvs, columns.Length, device: Device);
        for (var i = 0; i < columns.Length; i++)
        {
            using var column = result.select(1, i);  // held, so no finalizer frees the view while copy_ writes it
            column.copy_(columns[i]);
        }
        return result;
    }

    /// <summary>Picks a cell uniformly with the draw <paramref name="pickDraw"/>; its centre plus uniform noise, world units.</summary>
    private (Tensor X, Tensor Y) CellCentres(Tensor cols, Tensor rows, Tensor pickDraw, Tensor noiseXDraw, Tensor noiseYDraw, float noise)
    {
        var count = cols.shape[0];
        var pick = pickDraw.mul(Scalars.Of(count)).floor().clamp_max(Scalars.Of(count - 1)).to_type(ScalarType.Int64);
        Tensor Coordinate(Tensor cells, Tensor noiseDraw) =>
            cells.index_select(0, pick).add(Scalars.Of(0.5f), Scalars.One).add(noiseDraw.mul(Scalars.Of(2L)).sub(Scalars.Of(1L)).mul(Scalars.Of(noise))).mul(Scalars.Of(Settings.CellSize));
        return (Coordinate(cols, noiseXDraw), Coordinate(rows, noiseYDraw));
    }

    /// <summary>Takes ownership of the new per-step tensors (out of any dispose scope) and frees the old ones.</summary>
    private void Keep(Tensor x, Tensor y, Tensor vx, Tensor vy, Tensor state, Tensor time)
    {
        Replace(ref _x, x);
        Replace(ref _y, y);
        Replace(ref _vx, vx);
        Replace(ref _vy, vy);
        Replace(ref _state, state);
        Replace(ref _time, time);
    }

    private static Tensor Owned(Tensor t) => t.DetachFromDisposeScope();

    private Tensor Column() => Owned(zeros(NumEnvs, device: Device));

    private static void Replace(ref Tensor field, Tensor value)
    {
        if (ReferenceEquals(field, value)) return;
        var old = field;
        field = Owned(value);
        old.Dispose();
    }

    /// <summary>One coordinate (column or row index) of each listed cell, as floats so that + 0.5 is the centre.</summary>
    private Tensor CellTable(IReadOnlyList<(int Row, int Col)> cells, Func<(int Row, int Col), int> coordinate) =>
        tensor(cells.Select(c => (float)coordinate(c)).ToArray(), device: Device);

    public void Dispose()
    {
        foreach (var t in new[] { _xMin, _xMax, _yMin, _yMax, _startCols, _startRows, _goalCols, _goalRows, _envIndex, _x, _y, _vx, _vy, _goalX, _goalY, _state, _goals, _time, _episode })
            t.Dispose();
    }
}
