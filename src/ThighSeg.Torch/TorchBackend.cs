using System.Reflection;
using ThighSeg.Torch.Interop;
using TorchSharp;

namespace ThighSeg.Torch;

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
