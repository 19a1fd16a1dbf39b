using ThighSeg.Core.Abstractions;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// The process-wide side of <see cref="PerformanceOptions"/> for one training run or prediction call: checks at entry
/// that the precision can run (<see cref="MixedPrecision.Require"/>), turns cuDNN autotuning on when asked, and restores
/// the previous autotuning setting on <see cref="Dispose"/>, also when the run ends with an exception. Autocast itself
/// is per forward pass (<see cref="MixedPrecision.Forward"/>), so nothing of it outlives a step.
/// </summary>
/// <remarks>cuDNN autotuning is a process-wide libtorch flag: runs in parallel threads of one process share it.</remarks>
public sealed class PerformanceScope : IDisposable
{
    private readonly bool? _previousBenchmark;
    private bool _disposed;

    private PerformanceScope(bool? previousBenchmark) => _previousBenchmark = previousBenchmark;

    /// <summary>Checks <paramref name="performance"/> for <paramref name="device"/> and applies its process-wide switches.</summary>
    /// <exception cref="LibTorchInteropException">bf16 or cuDNN autotuning was asked for and libtorch's entry points cannot be bound; the message says what was found and what is needed.</exception>
    public static PerformanceScope Enter(PerformanceOptions performance, Device device)
    {
        ArgumentNullException.ThrowIfNull(performance);
        ArgumentNullException.ThrowIfNull(device);
        MixedPrecision.Require(performance.Precision, device);
        if (!performance.CudnnBenchmark)
        {
            return new PerformanceScope(null);
        }
        var interop = LibTorchInterop.Current;
        bool previous = interop.BenchmarkCuDnn;
        interop.SetBenchmarkCuDnn(true);
        return new PerformanceScope(previous);
    }

    /// <summary>Restores the cuDNN autotuning setting found at <see cref="Enter"/>. Idempotent.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (_previousBenchmark is bool previous)
        {
            LibTorchInterop.Current.SetBenchmarkCuDnn(previous);
        }
    }
}
