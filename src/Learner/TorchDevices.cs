using System.Globalization;
using TorchSharp;

namespace Fathom.Learner;

/// <summary>
/// What devices libtorch offers this process: the one question device selection asks, as data so that tests can
/// set it (a CPU build reports no CUDA device). <see cref="Detect"/> asks libtorch; <see cref="Resolve"/> turns a
/// requested device (auto, cpu, cuda, cuda:N) into the concrete device every tensor of a worker is created on.
/// </summary>
public sealed record TorchDevices(int CudaDeviceCount)
{
    public const string Auto = "auto";
    public const string Cpu = "cpu";
    public const string Cuda = "cuda";

    /// <summary>The accepted spellings, for error messages.</summary>
    public const string AllowedText = "auto, cpu, cuda or cuda:N (N = 0, 1, ...)";

    /// <summary>Asks libtorch whether CUDA is there and how many devices it has (0 on a CPU build).</summary>
    public static TorchDevices Detect() => new(torch.cuda.is_available() ? torch.cuda.device_count() : 0);

    /// <summary>Concrete devices on offer, cpu first: "cpu", "cuda:0", ...</summary>
    public IReadOnlyList<string> Available => [Cpu, .. Enumerable.Range(0, CudaDeviceCount).Select(i => $"{Cuda}:{i}")];

    /// <summary>True for auto, cpu, cuda and cuda:N with N a non-negative integer (lower case, no spaces).</summary>
    public static bool IsValid(string? device) => device is Auto or Cpu or Cuda || CudaIndex(device) is not null;

    /// <summary>
    /// The concrete device for <paramref name="requested"/>: auto is cuda:0 when there is a CUDA device, else cpu;
    /// cuda is cuda:0; cuda:N must be below <see cref="CudaDeviceCount"/>. An unknown spelling throws
    /// <see cref="ArgumentException"/>, a device this process does not have <see cref="DeviceUnavailableException"/>;
    /// both messages start with <paramref name="field"/> and the second names <paramref name="host"/> and what is available.
    /// </summary>
    public string Resolve(string requested, string field = "device", string host = "this process")
    {
        if (!IsValid(requested))
            throw new ArgumentException($"{field}: must be one of {AllowedText} (got '{requested}')");
        if (requested == Cpu) return Cpu;
        if (requested == Auto) return CudaDeviceCount > 0 ? $"{Cuda}:0" : Cpu;
        var index = requested == Cuda ? 0 : CudaIndex(requested)!.Value;
        if (index < CudaDeviceCount) return $"{Cuda}:{index}";
        throw new DeviceUnavailableException($"{field}: {requested} is not available on {host} (available: {string.Join(", ", Available)})");
    }

    private static int? CudaIndex(string? device)
    {
        const string prefix = Cuda + ":";
        if (device is null || !device.StartsWith(prefix, StringComparison.Ordinal)) return null;
        var digits = device[prefix.Length..];
        return digits.Length is >= 1 and <= 4 && digits.All(char.IsAsciiDigit)
            ? int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture) : null;
    }
}

/// <summary>A worker asked for a device its process does not have (CUDA on a CPU-only silo, or cuda:N past the last GPU).</summary>
public sealed class DeviceUnavailableException(string message) : Exception(message);
