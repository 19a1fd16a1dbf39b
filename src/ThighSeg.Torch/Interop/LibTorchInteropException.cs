using ThighSeg.Core;

namespace ThighSeg.Torch.Interop;

/// <summary>
/// Raised when a libtorch entry point that TorchSharp does not wrap (autocast, cuDNN autotuning) cannot be bound:
/// the library is not loaded, its version is outside the supported range, or a symbol is missing. The message names
/// the library file, its version and every missing symbol.
/// </summary>
public sealed class LibTorchInteropException : ThighSegException
{
    /// <summary>Creates the exception with a message.</summary>
    public LibTorchInteropException(string message) : base(message) { }

    /// <summary>Creates the exception with no message.</summary>
    public LibTorchInteropException() { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public LibTorchInteropException(string message, Exception innerException) : base(message, innerException) { }
}
