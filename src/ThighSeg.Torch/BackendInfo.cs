using ThighSeg.Torch.Interop;

namespace ThighSeg.Torch;

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
