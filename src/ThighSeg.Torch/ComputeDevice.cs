using System.Reflection;
using ThighSeg.Core;
using ThighSeg.Torch.Interop;
using TorchSharp;

namespace ThighSeg.Torch;

/// <summary>Where tensors live and compute runs.</summary>
public enum ComputeDevice
{
    /// <summary>CUDA when TorchSharp reports a usable GPU, else CPU.</summary>
    Auto,

    /// <summary>The CPU backend.</summary>
    Cpu,

    /// <summary>The first CUDA device; an error where none exists.</summary>
    Cuda,
}

/// <summary>Raised when the requested compute device does not exist on this machine.</summary>
public sealed class DeviceUnavailableException : ThighSegException
{
    /// <summary>Creates the exception with a message.</summary>
    public DeviceUnavailableException(string message) : base(message) { }

    /// <summary>Creates the exception with no message.</summary>
    public DeviceUnavailableException() { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public DeviceUnavailableException(string message, Exception innerException) : base(message, innerException) { }
}

/// <summary>A description of the TorchSharp backend for version banners and benchmark headers.</summary>
/// <param name="ThighSegVersion">The ThighSeg.Torch assembly's informational version.</param>
/// <param name="TorchSharpVersion">The TorchSharp assembly version.</param>
/// <param name="LibTorchVersion">The libtorch version TorchSharp was built against.</param>
/// <param name="Device">The device a run with the requested option would use (<c>cpu</c> or <c>cuda:0</c>).</param>
/// <param name="CudaAvailable">Whether TorchSharp reports a usable CUDA device.</param>
/// <param name="CudaDeviceCount">Number of CUDA devices.</param>
/// <param name="Threads">Intra-op CPU threads.</param>
/// <param name="NativeCompat">What the native compatibility layer did.</param>
public sealed record BackendInfo(
    string ThighSegVersion,
    string TorchSharpVersion,
    string LibTorchVersion,
    string Device,
    bool CudaAvailable,
    int CudaDeviceCount,
    int Threads,
    NativeCompatStatus NativeCompat)
{
    /// <summary>One-line summary, e.g. for a benchmark header.</summary>
    public override string ToString() =>
        $"ThighSeg {ThighSegVersion}; TorchSharp {TorchSharpVersion}; libtorch {LibTorchVersion}; device {Device}; " +
        $"CUDA {(CudaAvailable ? $"yes ({CudaDeviceCount})" : "no")}; threads {Threads}; native compat {NativeCompat}";
}

/// <summary>Device selection and backend reporting. Every method prepares the native library first (see <see cref="NativeCompat"/>).</summary>
public static class TorchBackend
{
    private static readonly Lazy<bool> CudaProbe = new(ProbeCuda, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Prepares TorchSharp's native libraries for this process. Idempotent and thread-safe.</summary>
    public static NativeCompatReport Initialize() => NativeCompat.Ensure();

    /// <summary>Parses <c>auto</c>, <c>cpu</c> or <c>cuda</c> (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Any other value; the message lists the accepted ones.</exception>
    public static ComputeDevice Parse(string value) => value?.Trim().ToUpperInvariant() switch
    {
        "AUTO" => ComputeDevice.Auto,
        "CPU" => ComputeDevice.Cpu,
        "CUDA" or "GPU" => ComputeDevice.Cuda,
        _ => throw new ArgumentException($"Unknown device '{value}'; use auto, cpu or cuda.", nameof(value)),
    };

    /// <summary>True when TorchSharp reports a usable CUDA device.</summary>
    public static bool IsCudaAvailable => CudaProbe.Value;

    /// <summary>Resolves the option to a TorchSharp device.</summary>
    /// <exception cref="DeviceUnavailableException"><see cref="ComputeDevice.Cuda"/> was requested and no CUDA device exists.</exception>
    public static torch.Device Resolve(ComputeDevice requested)
    {
        Initialize();
        return requested switch
        {
            ComputeDevice.Cpu => torch.CPU,
            ComputeDevice.Cuda when IsCudaAvailable => torch.CUDA,
            ComputeDevice.Cuda => throw new DeviceUnavailableException(
                "CUDA was requested (ComputeDevice.Cuda) but TorchSharp reports no CUDA device. Reference a TorchSharp CUDA backend package and check the NVIDIA driver, or use ComputeDevice.Cpu."),
            ComputeDevice.Auto => IsCudaAvailable ? torch.CUDA : torch.CPU,
            _ => throw new ArgumentOutOfRangeException(nameof(requested), requested, "Unknown device option."),
        };
    }

    /// <summary>Describes the backend a run with <paramref name="requested"/> would use.</summary>
    public static BackendInfo Describe(ComputeDevice requested = ComputeDevice.Auto)
    {
        var report = Initialize();
        string device;
        try
        {
            device = Resolve(requested).ToString();
        }
        catch (DeviceUnavailableException)
        {
            device = "unavailable (no CUDA device)";
        }
        return new BackendInfo(
            InformationalVersion(typeof(TorchBackend).Assembly),
            typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "unknown",
            LibTorchVersion(),
            device,
            IsCudaAvailable,
            IsCudaAvailable ? torch.cuda.device_count() : 0,
            torch.get_num_threads(),
            report.Status);
    }

    internal static string InformationalVersion(Assembly assembly)
    {
        string? v = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
        if (v is null)
        {
            return assembly.GetName().Version?.ToString(3) ?? "unknown";
        }
        int plus = v.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? v[..plus] : v;
    }

    private static string LibTorchVersion()
    {
        // torch.__version__ is the libtorch package version, e.g. "2.10.0.0"; report it as major.minor.patch.
        string[] parts = torch.__version__.Split('.');
        return string.Join('.', parts.Take(3));
    }

    private static bool ProbeCuda()
    {
        Initialize();
        try
        {
            return torch.cuda.is_available();
        }
        catch (Exception ex) when (ex is NotSupportedException or DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            return false;
        }
    }
}
