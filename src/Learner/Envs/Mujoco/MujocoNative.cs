using System.Runtime.InteropServices;

namespace Fathom.Learner.Envs.Mujoco;

/// <summary>
/// The MuJoCo 2.2.2 C API, bound at run time from the system library (Debian package libmujoco2.2.2) through
/// <see cref="NativeLibrary"/>, so that nothing is needed at build time and a machine without the library fails with
/// an error naming the package. Only the functions Fathom calls are bound; struct fields are read at the offsets in
/// <see cref="MujocoOffsets"/>, which hold for 2.2.2 only, so any other version is refused.
/// </summary>
internal static unsafe class MujocoNative
{
    /// <summary>The Debian package that provides the library.</summary>
    public const string Package = "libmujoco2.2.2";

    /// <summary>mj_version() of the only release whose struct layout <see cref="MujocoOffsets"/> describes.</summary>
    public const int SupportedVersion = 222;

    /// <summary>mjtObj values (mjmodel.h) used with mj_name2id.</summary>
    public const int ObjectBody = 1, ObjectJoint = 3, ObjectGeom = 5;

    // The versioned soname first: the unversioned libmujoco.so link exists only with the -dev package.
    private static readonly string[] LibraryNames = ["libmujoco.so.2.2.2", "libmujoco.so"];
    private static readonly Lock Gate = new();
    private static nint _library;
    private static long _warnings;

    public static delegate* unmanaged[Cdecl]<void*, void> DefaultVfs;
    public static delegate* unmanaged[Cdecl]<void*, byte*, int, int> MakeEmptyFileVfs;
    public static delegate* unmanaged[Cdecl]<void*, byte*, int> FindFileVfs;
    public static delegate* unmanaged[Cdecl]<void*, void> DeleteVfs;
    public static delegate* unmanaged[Cdecl]<byte*, void*, byte*, int, nint> LoadXml;
    public static delegate* unmanaged[Cdecl]<nint, void> DeleteModel;
    public static delegate* unmanaged[Cdecl]<nint, nint> MakeData;
    public static delegate* unmanaged[Cdecl]<nint, nint, void> ResetData;
    public static delegate* unmanaged[Cdecl]<nint, void> DeleteData;
    public static delegate* unmanaged[Cdecl]<nint, nint, void> Step;
    public static delegate* unmanaged[Cdecl]<nint, nint, void> Forward;
    public static delegate* unmanaged[Cdecl]<nint, int, byte*, int> NameToId;
    public static delegate* unmanaged[Cdecl]<nint, nint, byte*, byte*, void> PrintFormattedData;

    /// <summary>
    /// MuJoCo warnings raised since the library was loaded. The default handler prints each one and appends it to
    /// MUJOCO_LOG.TXT in the working directory; Fathom counts them instead (the per-data counts stay in mjData).
    /// </summary>
    public static long Warnings => Interlocked.Read(ref _warnings);

    /// <summary>Loads and binds the library once; throws <see cref="DllNotFoundException"/> naming the package when it is missing.</summary>
    public static void EnsureLoaded()
    {
        if (Volatile.Read(ref _library) != 0) return;
        lock (Gate)
        {
            if (_library != 0) return;
            var handle = Open(LibraryNames);
            var version = ((delegate* unmanaged[Cdecl]<int>)Export(handle, "mj_version"))();
            if (version != SupportedVersion)
                throw new NotSupportedException($"MuJoCo {version / 100}.{version / 10 % 10}.{version % 10} found, but Fathom's binding reads the struct layout of 2.2.2 (mj_version {SupportedVersion}); install {Package}");
            DefaultVfs = (delegate* unmanaged[Cdecl]<void*, void>)Export(handle, "mj_defaultVFS");
            MakeEmptyFileVfs = (delegate* unmanaged[Cdecl]<void*, byte*, int, int>)Export(handle, "mj_makeEmptyFileVFS");
            FindFileVfs = (delegate* unmanaged[Cdecl]<void*, byte*, int>)Export(handle, "mj_findFileVFS");
            DeleteVfs = (delegate* unmanaged[Cdecl]<void*, void>)Export(handle, "mj_deleteVFS");
            LoadXml = (delegate* unmanaged[Cdecl]<byte*, void*, byte*, int, nint>)Export(handle, "mj_loadXML");
            DeleteModel = (delegate* unmanaged[Cdecl]<nint, void>)Export(handle, "mj_deleteModel");
            MakeData = (delegate* unmanaged[Cdecl]<nint, nint>)Export(handle, "mj_makeData");
            ResetData = (delegate* unmanaged[Cdecl]<nint, nint, void>)Export(handle, "mj_resetData");
            DeleteData = (delegate* unmanaged[Cdecl]<nint, void>)Export(handle, "mj_deleteData");
            Step = (delegate* unmanaged[Cdecl]<nint, nint, void>)Export(handle, "mj_step");
            Forward = (delegate* unmanaged[Cdecl]<nint, nint, void>)Export(handle, "mj_forward");
            NameToId = (delegate* unmanaged[Cdecl]<nint, int, byte*, int>)Export(handle, "mj_name2id");
            PrintFormattedData = (delegate* unmanaged[Cdecl]<nint, nint, byte*, byte*, void>)Export(handle, "mj_printFormattedData");
            // mju_user_warning is a global function pointer: write our counter into it.
            *(nint*)Export(handle, "mju_user_warning") = (nint)(delegate* unmanaged[Cdecl]<byte*, void>)&OnWarning;
            Volatile.Write(ref _library, handle);
        }
    }

    /// <summary>The first of <paramref name="names"/> that loads; otherwise an error naming the package to install.</summary>
    internal static nint Open(IReadOnlyList<string> names)
    {
        foreach (var name in names)
            if (NativeLibrary.TryLoad(name, out var handle)) return handle;
        throw new DllNotFoundException(
            $"the MuJoCo library is not installed (looked for {string.Join(", ", names)}); the Ant environments need it: apt-get install {Package}");
    }

    private static nint Export(nint library, string name) =>
        NativeLibrary.TryGetExport(library, name, out var address)
            ? address
            : throw new EntryPointNotFoundException($"the MuJoCo library has no '{name}'; Fathom needs MuJoCo 2.2.2 ({Package})");

    [UnmanagedCallersOnly(CallConvs = [typeof(System.Runtime.CompilerServices.CallConvCdecl)])]
    private static void OnWarning(byte* message) => Interlocked.Increment(ref _warnings);
}
