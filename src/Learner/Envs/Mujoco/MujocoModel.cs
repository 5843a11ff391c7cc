using System.Runtime.InteropServices;
using System.Text;

namespace Fathom.Learner.Envs.Mujoco;

/// <summary>
/// A compiled MuJoCo model (mjModel*), freed when disposed. Loaded from MJCF text through MuJoCo's in-memory
/// virtual file system (mjVFS), so no temporary file is written. The model is read-only once loaded: any number of
/// <see cref="MujocoData"/> may step against it on different threads at once.
/// </summary>
public sealed unsafe class MujocoModel : SafeHandle
{
    private const string VfsFileName = "model.xml";
    private const int ErrorBufferSize = 1000;

    // mj_loadXML keeps global parser state (the "last XML"), so loads are serialised.
    private static readonly Lock LoadGate = new();

    private MujocoModel(nint model) : base(0, ownsHandle: true) => SetHandle(model);

    public override bool IsInvalid => handle == 0;

    /// <summary>Compiles MJCF XML text; a parse or compile error is thrown with MuJoCo's message.</summary>
    public static MujocoModel FromXml(string xml)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(xml);
        MujocoNative.EnsureLoaded();
        var bytes = Encoding.UTF8.GetBytes(xml);
        var vfs = NativeMemory.AllocZeroed(MujocoOffsets.VfsSize);
        var error = stackalloc byte[ErrorBufferSize];
        var name = stackalloc byte[VfsFileName.Length + 1];
        Encoding.ASCII.GetBytes(VfsFileName, new Span<byte>(name, VfsFileName.Length));
        name[VfsFileName.Length] = 0;
        var vfsReady = false;
        try
        {
            lock (LoadGate)
            {
                MujocoNative.DefaultVfs(vfs);
                vfsReady = true;
                if (MujocoNative.MakeEmptyFileVfs(vfs, name, bytes.Length) != 0)
                    throw new InvalidOperationException("MuJoCo could not add the model file to its virtual file system");
                var index = MujocoNative.FindFileVfs(vfs, name);
                var data = *(byte**)((byte*)vfs + MujocoOffsets.VfsFileData + index * sizeof(nint));
                bytes.CopyTo(new Span<byte>(data, bytes.Length));
                var model = MujocoNative.LoadXml(name, vfs, error, ErrorBufferSize);
                if (model == 0)
                    throw new ArgumentException($"MuJoCo could not load the model: {Marshal.PtrToStringUTF8((nint)error)}", nameof(xml));
                return new MujocoModel(model);
            }
        }
        finally
        {
            if (vfsReady) MujocoNative.DeleteVfs(vfs);  // frees the file buffer mj_makeEmptyFileVFS allocated
            NativeMemory.Free(vfs);
        }
    }

    /// <summary>Sizes of qpos, qvel, ctrl, act; counts of bodies, joints, geoms.</summary>
    public int Nq => Int(MujocoOffsets.ModelNq);
    public int Nv => Int(MujocoOffsets.ModelNv);
    public int Nu => Int(MujocoOffsets.ModelNu);
    public int Na => Int(MujocoOffsets.ModelNa);
    public int Nbody => Int(MujocoOffsets.ModelNbody);
    public int Njnt => Int(MujocoOffsets.ModelNjnt);
    public int Ngeom => Int(MujocoOffsets.ModelNgeom);

    /// <summary>The physics time step (opt.timestep), seconds.</summary>
    public double Timestep => *(double*)(Pointer + MujocoOffsets.ModelTimestep);

    /// <summary>The id of the named body (0 is the world); throws naming the body when there is none.</summary>
    public int BodyId(string name) => Id(MujocoNative.ObjectBody, name, "body");

    /// <summary>The id of the named geom; throws naming the geom when there is none.</summary>
    public int GeomId(string name) => Id(MujocoNative.ObjectGeom, name, "geom");

    /// <summary>A new simulation state for this model, at the model's initial configuration.</summary>
    public MujocoData MakeData() => new(this);

    /// <summary>The raw mjModel*; valid while this handle is open.</summary>
    internal byte* Pointer => IsClosed ? throw new ObjectDisposedException(nameof(MujocoModel)) : (byte*)handle;

    private int Int(int offset) => *(int*)(Pointer + offset);

    private int Id(int type, string name, string kind)
    {
        var bytes = Encoding.UTF8.GetBytes(name + "\0");
        int id;
        fixed (byte* p = bytes) id = MujocoNative.NameToId((nint)Pointer, type, p);
        return id >= 0 ? id : throw new ArgumentException($"the model has no {kind} named '{name}'", nameof(name));
    }

    protected override bool ReleaseHandle()
    {
        MujocoNative.DeleteModel(handle);
        return true;
    }
}
