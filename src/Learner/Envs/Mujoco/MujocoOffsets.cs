namespace Fathom.Learner.Envs.Mujoco;

/// <summary>
/// Byte offsets of the mjModel, mjData and mjVFS fields Fathom reads, for MuJoCo 2.2.2 on x86-64 Linux, taken from
/// /usr/include/mujoco/mjmodel.h and mjdata.h of libmujoco-dev 2.2.2 (checked with offsetof, and in the tests against
/// mj_printFormattedData). The API has no accessor for these arrays; everything it does offer (names to ids, reset,
/// step) is called instead.
/// </summary>
internal static class MujocoOffsets
{
    // mjModel: the size block at its start is 4-byte ints in header order (nq, nv, nu, na, nbody, njnt, ngeom, ...).
    public const int ModelNq = 0, ModelNv = 4, ModelNu = 8, ModelNa = 12, ModelNbody = 16, ModelNjnt = 20, ModelNgeom = 24;
    /// <summary>mjModel.opt.timestep (mjOption is the first member after the size block and the buffer pointer).</summary>
    public const int ModelTimestep = 232;

    /// <summary>mjData.warning[mjNWARNING]: {int lastinfo; int number;} each.</summary>
    public const int DataWarning = 24, WarningStatSize = 8, WarningNumber = 4;
    public const int DataNcon = 40332;
    public const int DataTime = 40336;
    /// <summary>Pointers into mjData's buffer (mjtNum* each), fixed from mj_makeData to mj_deleteData.</summary>
    public const int DataQpos = 40376, DataQvel = 40384, DataCtrl = 40408, DataXpos = 40480;

    /// <summary>mjVFS: int nfile; char filename[2000][1000]; int filesize[2000]; void* filedata[2000].</summary>
    public const int VfsSize = 2024008, VfsFileData = 2008008;
}
