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
