using System.Runtime.InteropServices;
using System.Text;

namespace Fathom.Learner.Envs.Mujoco;

/// <summary>
/// One simulation state (mjData*) of a <see cref="MujocoModel"/>, freed when disposed; it keeps its model alive
/// until then. Reads and writes copy between MuJoCo's arrays and caller spans, so no pointer outlives a call.
/// One data instance is used by one thread at a time; different instances of one model may step in parallel.
/// </summary>
public sealed unsafe class MujocoData : SafeHandle
{
    /// <summary>mjtWarning values (mjdata.h) that mean the state blew up; MuJoCo then resets the data by itself.</summary>
    private const int WarningBadQpos = 4, WarningBadQvel = 5, WarningBadQacc = 6;

    private readonly MujocoModel _model;
    private readonly nint _modelPointer;
    private readonly double* _qpos, _qvel, _ctrl, _xpos;

    internal MujocoData(MujocoModel model) : base(0, ownsHandle: true)
    {
        var added = false;
        model.DangerousAddRef(ref added);
        _model = model;
        _modelPointer = (nint)model.Pointer;
        var data = MujocoNative.MakeData(_modelPointer);
        if (data == 0)
        {
            model.DangerousRelease();
            throw new OutOfMemoryException("mj_makeData returned no data");
        }
        SetHandle(data);
        (Nq, Nv, Nu, Nbody) = (model.Nq, model.Nv, model.Nu, model.Nbody);
        var p = (byte*)data;
        _qpos = *(double**)(p + MujocoOffsets.DataQpos);
        _qvel = *(double**)(p + MujocoOffsets.DataQvel);
        _ctrl = *(double**)(p + MujocoOffsets.DataCtrl);
        _xpos = *(double**)(p + MujocoOffsets.DataXpos);
    }

    public override bool IsInvalid => handle == 0;

    public MujocoModel Model => _model;
    public int Nq { get; }
    public int Nv { get; }
    public int Nu { get; }
    public int Nbody { get; }

    /// <summary>Simulation time, seconds.</summary>
    public double Time => *(double*)(Pointer + MujocoOffsets.DataTime);

    /// <summary>Contacts found by the last forward pass.</summary>
    public int ContactCount => *(int*)(Pointer + MujocoOffsets.DataNcon);

    /// <summary>How often MuJoCo found a non-finite or huge qpos, qvel or qacc and reset this data (instability).</summary>
    public int Divergences => Warning(WarningBadQpos) + Warning(WarningBadQvel) + Warning(WarningBadQacc);

    /// <summary>mj_resetData: the model's initial configuration, zero velocity, controls and time.</summary>
    public void Reset() => MujocoNative.ResetData(_modelPointer, (nint)Pointer);

    /// <summary>mj_forward: recomputes the derived quantities (body positions, contacts) for the current state.</summary>
    public void Forward() => MujocoNative.Forward(_modelPointer, (nint)Pointer);

    /// <summary>Advances <paramref name="frames"/> physics steps (mj_step each) with the current controls.</summary>
    public void Step(int frames = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(frames);
        var data = (nint)Pointer;
        for (var i = 0; i < frames; i++) MujocoNative.Step(_modelPointer, data);
    }

    public void ReadQpos(Span<double> destination) => Read(_qpos, Nq, destination, "qpos");
    public void WriteQpos(ReadOnlySpan<double> values) => Write(_qpos, Nq, values, "qpos");
    public void ReadQvel(Span<double> destination) => Read(_qvel, Nv, destination, "qvel");
    public void WriteQvel(ReadOnlySpan<double> values) => Write(_qvel, Nv, values, "qvel");
    public void ReadCtrl(Span<double> destination) => Read(_ctrl, Nu, destination, "ctrl");
    public void WriteCtrl(ReadOnlySpan<double> values) => Write(_ctrl, Nu, values, "ctrl");

    /// <summary>World position of a body's frame (xpos) as of the last forward pass or step.</summary>
    public (double X, double Y, double Z) BodyPosition(int body)
    {
        if ((uint)body >= (uint)Nbody) throw new ArgumentOutOfRangeException(nameof(body), body, $"body id must be in [0, {Nbody})");
        _ = Pointer;
        var p = _xpos + 3 * body;
        return (p[0], p[1], p[2]);
    }

    /// <summary>mj_printFormattedData: the whole state as text, for checking this binding against MuJoCo's own view.</summary>
    internal void PrintTo(string path, string floatFormat = "%.17g")
    {
        var file = Encoding.UTF8.GetBytes(path + "\0");
        var format = Encoding.ASCII.GetBytes(floatFormat + "\0");
        fixed (byte* f = file, fmt = format) MujocoNative.PrintFormattedData(_modelPointer, (nint)Pointer, f, fmt);
    }

    private byte* Pointer => IsClosed ? throw new ObjectDisposedException(nameof(MujocoData)) : (byte*)handle;

    private int Warning(int kind) => *(int*)(Pointer + MujocoOffsets.DataWarning + kind * MujocoOffsets.WarningStatSize + MujocoOffsets.WarningNumber);

    private void Read(double* source, int size, Span<double> destination, string field)
    {
        if (destination.Length != size) throw new ArgumentException($"{field} has {size} values, the span {destination.Length}", nameof(destination));
        _ = Pointer;
        new ReadOnlySpan<double>(source, size).CopyTo(destination);
    }

    private void Write(double* target, int size, ReadOnlySpan<double> values, string field)
    {
        if (values.Length != size) throw new ArgumentException($"{field} has {size} values, got {values.Length}", nameof(values));
        _ = Pointer;
        values.CopyTo(new Span<double>(target, size));
    }

    protected override bool ReleaseHandle()
    {
        MujocoNative.DeleteData(handle);
        _model.DangerousRelease();
        return true;
    }
}
