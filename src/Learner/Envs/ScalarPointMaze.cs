namespace Fathom.Learner.Envs;

/// <summary>
/// The kinematic PointMaze dynamics as a plain single-threaded C# loop over envs: the baseline the tensor env is
/// benchmarked against, and an independent statement of the same rules (a test checks that both give the same
/// trajectories). Same bounds table, same counter-based random numbers, same operation order in float32.
/// </summary>
public sealed class ScalarPointMaze
{
    private readonly MazeLayout _layout;
    private readonly PointMazeSettings _settings;
    private readonly long _seed;
    private readonly float[] _xMin, _xMax, _yMin, _yMax;
    private readonly int _subSteps;
    private readonly float _subStepSize;
    private readonly int[] _time;
    private readonly long[] _episode;

    public ScalarPointMaze(MazeLayout layout, int numEnvs, long seed, PointMazeSettings? settings = null)
    {
        _settings = settings ?? new PointMazeSettings();
        _settings.Validate();
        if (_settings.Dynamics != PointMazeDynamics.Kinematic)
            throw new ArgumentException("ScalarPointMaze implements the kinematic dynamics only", nameof(settings));
        _layout = layout;
        _seed = seed;
        (_xMin, _xMax, _yMin, _yMax) = layout.AxisBounds(_settings.CellSize, PointMaze.WallMargin * _settings.CellSize);
        _subSteps = (int)Math.Ceiling(_settings.StepSize / (PointMaze.MaxSubStepCells * _settings.CellSize));
        _subStepSize = _settings.StepSize / _subSteps;
        NumEnvs = numEnvs;
        Positions = new float[numEnvs * 2];
        Goals = new float[numEnvs * 2];
        Success = new bool[numEnvs];
        Done = new bool[numEnvs];
        _time = new int[numEnvs];
        _episode = new long[numEnvs];
        for (var i = 0; i < numEnvs; i++) Reset(i);
    }

    public int NumEnvs { get; }
    /// <summary>Current positions, (x, y) per env; after a step that ended an episode, the reset position.</summary>
    public float[] Positions { get; }
    public float[] Goals { get; }
    /// <summary>Per env, whether the last step ended within the success radius.</summary>
    public bool[] Success { get; }
    /// <summary>Per env, whether the last step ended the episode (the env has been reset).</summary>
    public bool[] Done { get; }

    /// <summary>Applies actions (a_x, a_y per env); auto-resets the envs whose episode ended.</summary>
    public void Step(ReadOnlySpan<float> actions)
    {
        var inverseCell = 1f / _settings.CellSize;
        for (var i = 0; i < NumEnvs; i++)
        {
            float x = Positions[2 * i], y = Positions[2 * i + 1];
            float dx = Action(actions[2 * i]) * _subStepSize, dy = Action(actions[2 * i + 1]) * _subStepSize;
            for (var s = 0; s < _subSteps; s++)
            {
                var row = MathF.Floor(y * inverseCell);
                var k = (int)(MathF.Floor(x * inverseCell) + row * _layout.Columns);
                x = Math.Min(Math.Max(x + dx, _xMin[k]), _xMax[k]);
                k = (int)(MathF.Floor(x * inverseCell) + row * _layout.Columns);
                y = Math.Min(Math.Max(y + dy, _yMin[k]), _yMax[k]);
            }
            Positions[2 * i] = x;
            Positions[2 * i + 1] = y;
            float gx = x - Goals[2 * i], gy = y - Goals[2 * i + 1];
            Success[i] = MathF.Sqrt(gx * gx + gy * gy) < _settings.SuccessRadius;
            Done[i] = ++_time[i] >= _settings.EpisodeLength;
            if (Done[i]) Reset(i);
        }
    }

    private static float Action(float a) => float.IsNaN(a) ? 0 : Math.Clamp(a, -1f, 1f);

    private void Reset(int i)
    {
        var start = _layout.Starts[Pick(i, 0, _layout.Starts.Count)];
        var goal = _layout.Goals[Pick(i, 3, _layout.Goals.Count)];
        (Positions[2 * i], Positions[2 * i + 1]) = (Centre(start.Col, i, 1, _settings.StartNoise), Centre(start.Row, i, 2, _settings.StartNoise));
        (Goals[2 * i], Goals[2 * i + 1]) = (Centre(goal.Col, i, 4, _settings.GoalNoise), Centre(goal.Row, i, 5, _settings.GoalNoise));
        _time[i] = 0;
        _episode[i]++;
    }

    private int Pick(int i, int stream, int count) => Math.Min((int)MathF.Floor(CounterRandom.Uniform(_seed, i, _episode[i], stream) * count), count - 1);

    private float Centre(int cell, int i, int stream, float noise) =>
        ((float)cell + 0.5f + (CounterRandom.Uniform(_seed, i, _episode[i], stream) * 2f - 1f) * noise) * _settings.CellSize;
}
