using Fathom.Learner.Envs.Mujoco;
using TorchSharp;
using static TorchSharp.torch;

namespace Fathom.Learner.Envs;

/// <summary>
/// N MuJoCo Ants in a maze (<see cref="AntMazeModel"/>), the paper's Ant mazes: one shared model, one mjData per
/// env, stepped in parallel over worker threads (each worker a fixed contiguous range of envs) and gathered into
/// one tensor. State (29) = qpos ++ qvel: torso x-y (the goal slice, GoalStart 0), torso height and orientation and
/// the 8 joint angles (the paper's "positions without x-y"), then the 14 velocities; goal = a torso x-y; success =
/// torso x-y within <see cref="AntMazeSettings.SuccessRadius"/>. Actions are the 8 motor controls in [-1, 1].
/// An episode ends after <see cref="AntMazeSettings.EpisodeLength"/> steps, or earlier (if
/// <see cref="AntMazeSettings.TerminateWhenUnhealthy"/>) when the torso leaves its healthy height band, which is
/// the paper's rule: a fallen or flipped-and-stuck Ant, or one thrown up, starts over rather than fill the replay
/// with useless states. A simulation that diverges (MuJoCo resets such data itself) ends its episode the same way.
/// Starts and goals are cell centres (a start cell and a goal cell picked uniformly); random draws come from
/// <see cref="CounterRandom"/> keyed by (seed, env index, episode), so env i's trajectory depends neither on the
/// batch size nor on the number of threads.
/// </summary>
public sealed class AntMaze : IMazeEnv
{
    public const int StateSize = AntMazeModel.Nq + AntMazeModel.Nv, ActionSize = AntMazeModel.Nu, GoalSize = 2;

    // Counter-random streams: start cell, goal cell, then one per qpos noise draw, then two per qvel normal.
    private const int StartCellDraw = 0, GoalCellDraw = 1, QposNoiseDraw = 2, QvelNoiseDraw = QposNoiseDraw + AntMazeModel.Nq;

    private readonly long _seed;
    private readonly MujocoModel _model;
    private readonly MujocoData[] _data;
    private readonly int _workers;
    private readonly float[] _state, _next, _goal;
    private readonly int[] _time;
    private readonly long[] _episode;
    private MazeGeodesic? _geodesic;

    public AntMaze(MazeLayout layout, int numEnvs, long seed, AntMazeSettings? settings = null, Device? device = null)
    {
        if (numEnvs <= 0) throw new ArgumentOutOfRangeException(nameof(numEnvs), numEnvs, $"numEnvs must be > 0, got {numEnvs}");
        Settings = settings ?? new AntMazeSettings();
        Settings.Validate();
        Layout = layout;
        NumEnvs = numEnvs;
        Device = device ?? CPU;
        _seed = seed;
        _workers = Math.Min(numEnvs, Settings.Threads > 0 ? Settings.Threads : Environment.ProcessorCount);
        _state = new float[numEnvs * StateSize];
        _next = new float[numEnvs * StateSize];
        _goal = new float[numEnvs * GoalSize];
        _time = new int[numEnvs];
        _episode = new long[numEnvs];
        _model = MujocoModel.FromXml(AntMazeModel.Xml(layout, Settings));
        if (_model.Nq != AntMazeModel.Nq || _model.Nv != AntMazeModel.Nv || _model.Nu != AntMazeModel.Nu)
            throw new InvalidOperationException($"the Ant model compiled to nq {_model.Nq}, nv {_model.Nv}, nu {_model.Nu}; expected {AntMazeModel.Nq}, {AntMazeModel.Nv}, {AntMazeModel.Nu}");
        _data = new MujocoData[numEnvs];
        try
        {
            for (var i = 0; i < numEnvs; i++) _data[i] = _model.MakeData();
        }
        catch
        {
            Dispose();
            throw;
        }
        Reset();
    }

    public MazeLayout Layout { get; }
    public AntMazeSettings Settings { get; }
    public int NumEnvs { get; }
    public int StateDim => StateSize;
    public int ActionDim => ActionSize;
    public int GoalDim => GoalSize;
    public int GoalStart => 0;
    public float CellSize => Settings.CellSize;
    public float SuccessRadius => Settings.SuccessRadius;
    public int EpisodeLength => Settings.EpisodeLength;
    public Device Device { get; }

    public Tensor States => Table(_state, StateSize);
    public Tensor Goals => Table(_goal, GoalSize);

    /// <summary>Steps taken in each env's current episode.</summary>
    public IReadOnlyList<int> EpisodeSteps => _time;

    /// <summary>Exact shortest-path distances in this maze (metres), built on first use.</summary>
    public MazeGeodesic Geodesic => _geodesic ??= new MazeGeodesic(Layout, Settings.CellSize);

    /// <summary>States [N, 29] of an Ant standing still in its start pose (no noise) with its torso at positions [N, 2].</summary>
    public Tensor StatesAt(Tensor positions)
    {
        var points = HostValues<float>(positions, float32);
        var count = (int)positions.shape[0];
        var states = new float[count * StateSize];
        for (var p = 0; p < count; p++)
        {
            var state = states.AsSpan(p * StateSize, StateSize);
            for (var k = 0; k < AntMazeModel.Nq; k++) state[k] = (float)AntMazeModel.InitialQpos[k];
            state[0] = points[2 * p];
            state[1] = points[2 * p + 1];
        }
        var table = tensor(states, [count, StateSize]);
        return OnDevice(table);
    }

    /// <summary>Env i's simulation state, for tests that need to push an Ant directly.</summary>
    internal MujocoData DataOf(int env) => _data[env];

    public void Reset(Tensor? mask = null)
    {
        bool[]? selected = null;
        if (mask is not null)
        {
            selected = HostValues<bool>(mask, ScalarType.Bool);
            if (selected.Length != NumEnvs) throw new ArgumentException($"mask must have {NumEnvs} entries, got {selected.Length}", nameof(mask));
        }
        ForEachEnv(i =>
        {
            if (selected is null || selected[i]) ResetEnv(i);
        });
    }

    public EnvStep Step(Tensor actions)
    {
        if (actions.ndim != 2 || actions.shape[0] != NumEnvs || actions.shape[1] != ActionDim)
            throw new ArgumentException($"actions must have shape [{NumEnvs}, {ActionDim}], got [{string.Join(", ", actions.shape)}]", nameof(actions));
        var controls = HostValues<float>(actions, float32);
        var goals = Table(_goal, GoalSize);  // the goals this step is judged against, before any reset
        var success = new bool[NumEnvs];
        var done = new bool[NumEnvs];
        ForEachEnv(i => StepEnv(i, controls, success, done));
        return new EnvStep(Table(_next, StateSize), goals, Flags(success), Flags(done));
    }

    private void StepEnv(int i, float[] controls, bool[] success, bool[] done)
    {
        var data = _data[i];
        Span<double> ctrl = stackalloc double[ActionSize];
        for (var k = 0; k < ActionSize; k++)
        {
            var a = controls[i * ActionSize + k];
            ctrl[k] = float.IsNaN(a) ? 0 : Math.Clamp(a, -1f, 1f);
        }
        data.WriteCtrl(ctrl);
        var divergences = data.Divergences;
        data.Step(Settings.FrameSkip);
        var next = _next.AsSpan(i * StateSize, StateSize);
        Observe(data, next);
        float dx = next[0] - _goal[i * GoalSize], dy = next[1] - _goal[i * GoalSize + 1];
        success[i] = MathF.Sqrt(dx * dx + dy * dy) < Settings.SuccessRadius;
        var height = next[2];
        var unhealthy = height < Settings.HealthyZMin || height > Settings.HealthyZMax;
        var ended = ++_time[i] >= EpisodeLength || (Settings.TerminateWhenUnhealthy && unhealthy) || data.Divergences != divergences;
        done[i] = ended;
        if (ended) ResetEnv(i);
        else next.CopyTo(_state.AsSpan(i * StateSize, StateSize));
    }

    /// <summary>A new episode for env i: start pose plus noise at a start cell's centre, a goal cell's centre as goal.</summary>
    private void ResetEnv(int i)
    {
        var episode = ++_episode[i];
        float Draw(int stream) => CounterRandom.Uniform(_seed, i, episode, stream);
        var (startRow, startCol) = Pick(Layout.Starts, Draw(StartCellDraw));
        var (goalRow, goalCol) = Pick(Layout.Goals, Draw(GoalCellDraw));
        var noise = Settings.ResetNoise;
        Span<double> qpos = stackalloc double[AntMazeModel.Nq];
        Span<double> qvel = stackalloc double[AntMazeModel.Nv];
        for (var k = 0; k < qpos.Length; k++) qpos[k] = AntMazeModel.InitialQpos[k] + noise * (2.0 * Draw(QposNoiseDraw + k) - 1.0);
        qpos[0] = (startCol + 0.5) * Settings.CellSize;
        qpos[1] = (startRow + 0.5) * Settings.CellSize;
        for (var k = 0; k < qvel.Length; k++)
        {
            // Box-Muller: a standard normal from two uniforms (1 - u keeps the logarithm finite).
            double u1 = 1.0 - Draw(QvelNoiseDraw + 2 * k), u2 = Draw(QvelNoiseDraw + 2 * k + 1);
            qvel[k] = noise * Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
        }
        var data = _data[i];
        data.Reset();
        data.WriteQpos(qpos);
        data.WriteQvel(qvel);
        data.Forward();
        Observe(data, _state.AsSpan(i * StateSize, StateSize));
        _goal[i * GoalSize] = (goalCol + 0.5f) * Settings.CellSize;
        _goal[i * GoalSize + 1] = (goalRow + 0.5f) * Settings.CellSize;
        _time[i] = 0;
    }

    private static (int Row, int Col) Pick(IReadOnlyList<(int Row, int Col)> cells, float draw) =>
        cells[Math.Min((int)(draw * cells.Count), cells.Count - 1)];

    private static void Observe(MujocoData data, Span<float> state)
    {
        Span<double> values = stackalloc double[StateSize];
        data.ReadQpos(values[..AntMazeModel.Nq]);
        data.ReadQvel(values[AntMazeModel.Nq..]);
        for (var k = 0; k < StateSize; k++) state[k] = (float)values[k];
    }

    /// <summary>Runs <paramref name="work"/> for every env, each worker thread taking one contiguous range.</summary>
    private void ForEachEnv(Action<int> work)
    {
        if (_workers == 1)
        {
            for (var i = 0; i < NumEnvs; i++) work(i);
            return;
        }
        Parallel.For(0, _workers, new ParallelOptions { MaxDegreeOfParallelism = _workers }, w =>
        {
            int from = (int)((long)NumEnvs * w / _workers), to = (int)((long)NumEnvs * (w + 1) / _workers);
            for (var i = from; i < to; i++) work(i);
        });
    }

    /// <summary>A fresh [N, columns] tensor on the env's device holding a copy of <paramref name="values"/>.</summary>
    private Tensor Table(float[] values, int columns)
    {
        var table = empty(NumEnvs, columns);
        table.data<float>().CopyFrom(values);
        return OnDevice(table);
    }

    private Tensor Flags(bool[] values) => OnDevice(tensor(values));

    /// <summary>
    /// A tensor's values in a host array, each intermediate held until the next op on it returns: a caller outside any
    /// dispose scope must not have one freed by its finalizer mid-call.
    /// </summary>
    private static T[] HostValues<T>(Tensor t, ScalarType type) where T : unmanaged
    {
        using var typed = t.to(type);
        using var host = typed.cpu();
        using var dense = host.contiguous();
        return dense.data<T>().ToArray();
    }

    private Tensor OnDevice(Tensor t)
    {
        if (Device.type == DeviceType.CPU) return t;
        using (t) return t.to(Device);
    }

    public void Dispose()
    {
        foreach (var data in _data) data?.Dispose();
        _model.Dispose();
    }
}
