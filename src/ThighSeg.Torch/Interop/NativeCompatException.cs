namespace ThighSeg.Torch.Interop;

/// <summary>Raised when the native-library compatibility layer cannot make TorchSharp loadable.</summary>
public sealed class NativeCompatException : ThighSeg.Core.ThighSegException
{
    /// <summary>Creates the exception with a message that says what is wrong.</summary>
    public NativeCompatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public NativeCompatException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception with no message.</summary>
    public NativeCompatException() { }
}
