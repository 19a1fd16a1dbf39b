using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using ThighSeg.Core.Abstractions;
using ThighSeg.Torch;
using ThighSeg.Torch.Interop;

namespace ThighSeg.Benchmarks;

/// <summary>Shared benchmark configuration and the backend banner printed before every run.</summary>
public static class BenchmarkHost
{
    /// <summary>Memory diagnoser, Markdown (GitHub) and CSV exporters.</summary>
    public static IConfig Config() => DefaultConfig.Instance
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddExporter(MarkdownExporter.GitHub)
        .AddExporter(CsvExporter.Default)
        .WithOptions(ConfigOptions.JoinSummary);

    /// <summary>Writes the backend description (versions, device, threads) so results carry their context.</summary>
    public static void PrintHeader(TextWriter output) => output.WriteLine($"// {TorchBackend.Describe()}");

    /// <summary>Environment variable that selects the tiny smoke-test parameter sets (set to 1 by the dry-run tests).</summary>
    public const string SmokeVariable = "THIGHSEG_BENCH_SMOKE";

    /// <summary>True when <see cref="SmokeVariable"/> is 1: every suite's parameter source returns one or two tiny cases.</summary>
    public static bool IsSmoke => Environment.GetEnvironmentVariable(SmokeVariable) == "1";

    /// <summary><paramref name="full"/> normally, <paramref name="smoke"/> under <see cref="IsSmoke"/>.</summary>
    public static IEnumerable<T> Cases<T>(IEnumerable<T> full, IEnumerable<T> smoke) => IsSmoke ? smoke : full;

    /// <summary>Intra-op CPU threads = physical cores (see <see cref="TorchPerformance.ConfigureCpuThreads"/>), or THIGHSEG_THREADS.</summary>
    public static int ConfigureThreads()
    {
        string? env = Environment.GetEnvironmentVariable("THIGHSEG_THREADS");
        int? n = int.TryParse(env, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int t) && t > 0 ? t : null;
        return TorchPerformance.ConfigureCpuThreads(n);
    }

    /// <summary>Precisions of the precision-aware suites: fp32 and bf16 (both also in the smoke run, so both paths stay alive).</summary>
    public static IEnumerable<Precision> PrecisionValues() => [Precision.Fp32, Precision.Bf16];

    /// <summary>Memory layouts of the layout-aware suites: NCHW (false) and channels-last NHWC (true).</summary>
    public static IEnumerable<bool> ChannelsLastValues() => [false, true];

    /// <summary>The devices to benchmark: CPU always, CUDA when TorchSharp reports it (see <see cref="Wants"/>).</summary>
    public static IEnumerable<ComputeDevice> Devices()
    {
        if (Wants(ComputeDevice.Cpu))
        {
            yield return ComputeDevice.Cpu;
        }
        if (Wants(ComputeDevice.Cuda))
        {
            yield return ComputeDevice.Cuda;
        }
    }

    /// <summary>
    /// Whether cases on <paramref name="device"/> run: CUDA only where TorchSharp reports it; the environment variable
    /// THIGHSEG_BENCH_DEVICES (<c>cpu</c>, <c>cuda</c> or <c>cpu,cuda</c>) restricts the list (the GPU script runs CUDA only).
    /// </summary>
    public static bool Wants(ComputeDevice device)
    {
        string? only = Environment.GetEnvironmentVariable("THIGHSEG_BENCH_DEVICES");
        bool listed = string.IsNullOrWhiteSpace(only) ||
            only.Split(',', StringSplitOptions.TrimEntries).Any(d => d.Equals(device.ToString(), StringComparison.OrdinalIgnoreCase));
        return listed && (device != ComputeDevice.Cuda || TorchBackend.IsCudaAvailable);
    }
}
