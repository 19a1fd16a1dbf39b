using ThighSeg.Core;

namespace ThighSeg.IO;

/// <summary>A malformed, truncated or unsupported volume file or DICOM series.</summary>
public class VolumeFormatException : ThighSegException
{
    /// <summary>Creates the exception with no message.</summary>
    public VolumeFormatException() { }

    /// <summary>Creates the exception with a message that says what is wrong and where.</summary>
    public VolumeFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public VolumeFormatException(string message, Exception innerException) : base(message, innerException) { }
}
