using Fathom.Grains.Contracts;
using Fathom.Learner;

namespace Fathom.Grains.Workers;

/// <summary>The one place a worker's device is chosen: its spec field, else the silo's FATHOM_DEVICE, against what this silo's libtorch offers.</summary>
public static class WorkerDevice
{
    /// <summary>
    /// The concrete device (cpu or cuda:N) for a worker whose spec field at <paramref name="field"/> holds
    /// <paramref name="requested"/>. A device this silo does not have is a <see cref="RunRefusedException"/> naming the
    /// field, the silo and the devices it has, so that the run fails at start instead of the worker crashing later.
    /// </summary>
    public static string Resolve(string? requested, string field, WorkerSettings settings, TorchDevices devices, string silo)
    {
        var (device, source) = requested is null ? (settings.Device, $"{field} (left out, so the silo's FATHOM_DEVICE)") : (requested, field);
        try
        {
            return devices.Resolve(device, source, $"silo {silo}");
        }
        catch (Exception e) when (e is DeviceUnavailableException or ArgumentException)
        {
            throw new RunRefusedException(e.Message);
        }
    }
}
