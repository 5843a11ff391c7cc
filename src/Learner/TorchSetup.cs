using System.Runtime.InteropServices;
using TorchSharp;

namespace Fathom.Learner;

/// <summary>One place that prepares TorchSharp for a process: threads, OpenMP waiting and the default dtype.</summary>
public static partial class TorchSetup
{
    /// <summary>
    /// Sets intra-op threads (0 = leave libtorch's default, which is the core count). Call it before any other torch
    /// call: it also makes OpenMP workers sleep rather than spin between parallel regions (OMP_WAIT_POLICY=PASSIVE)
    /// unless the environment already chose. Fathom shares cores (collectors, learners, replay in one host), and a
    /// spinning worker that gets descheduled stalls every region: on a loaded 2-core machine, 2-thread updates ran
    /// about ten times faster with passive waiting. libgomp reads the variable once, when libtorch loads.
    /// </summary>
    public static void Configure(int threads = 0)
    {
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
        {
            // Environment.SetEnvironmentVariable does not reach the native environment that libgomp reads.
            SetNativeEnvironment("OMP_WAIT_POLICY", "PASSIVE", overwrite: 0);
        }
        if (threads > 0) torch.set_num_threads(threads);
        torch.set_default_dtype(torch.float32);
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNativeEnvironment(string name, string value, int overwrite);
}
