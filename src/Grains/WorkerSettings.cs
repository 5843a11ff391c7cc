using Fathom.Learner;

namespace Fathom.Grains;

/// <summary>
/// How worker threads behave in this silo. <see cref="TorchThreads"/> is the intra-op thread count of each network
/// thread: collectors and learners share the cores, so 1 is the right value on a small machine.
/// <see cref="PollPeriod"/> is how often the experiment grain polls its workers.
/// </summary>
public sealed record WorkerSettings(int TorchThreads, TimeSpan PollPeriod, TimeSpan StopTimeout)
{
    public static readonly WorkerSettings Default = new(1, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(60));

    /// <summary>
    /// FATHOM_DEVICE: the device of workers whose spec leaves <c>device</c> out (auto, cpu, cuda or cuda:N);
    /// auto takes CUDA when libtorch reports it. Resolved when each worker starts (<see cref="TorchDevices.Resolve"/>).
    /// </summary>
    public string Device { get; init; } = TorchDevices.Auto;

    /// <summary>Period of the experiment's reminder: at most this long after its silo died, it is active again elsewhere.</summary>
    public TimeSpan ReminderPeriod { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often a worker's grain asks whether its run still goes on (it stops its worker when not).</summary>
    public TimeSpan RunCheckPeriod { get; init; } = TimeSpan.FromSeconds(10);
}
