using ThighSeg.Core;

namespace ThighSeg.Torch;

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
