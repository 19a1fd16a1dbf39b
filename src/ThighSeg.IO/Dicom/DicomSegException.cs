using ThighSeg.Core;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// A DICOM-SEG cannot be written or read back as asked: the label volume does not match its source series, the
/// label map does not cover the labels, or a SEG holds something a label volume cannot (overlapping or fractional
/// segments, frames outside the target grid). The message says what and where.
/// </summary>
public sealed class DicomSegException : ThighSegException
{
    /// <summary>Creates the exception with no message.</summary>
    public DicomSegException() { }

    /// <summary>Creates the exception with a message.</summary>
    public DicomSegException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public DicomSegException(string message, Exception innerException) : base(message, innerException) { }
}
