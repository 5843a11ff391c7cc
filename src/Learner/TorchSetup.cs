using TorchSharp;

namespace Fathom.Learner;

/// <summary>One place that prepares TorchSharp for a process: threads and the default dtype.</summary>
public static class TorchSetup
{
    /// <summary>Sets intra-op threads (0 = leave libtorch's default, which is the core count).</summary>
    public static void Configure(int threads = 0)
    {
        if (threads > 0) torch.set_num_threads(threads);
        torch.set_default_dtype(torch.float32);
    }
}
