using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Exporters.Csv;
using ThighSeg.Torch;

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

    /// <summary>The devices to benchmark: CPU always, CUDA when TorchSharp reports it.</summary>
    public static IEnumerable<ComputeDevice> Devices()
    {
        yield return ComputeDevice.Cpu;
        if (TorchBackend.IsCudaAvailable)
        {
            yield return ComputeDevice.Cuda;
        }
    }
}
