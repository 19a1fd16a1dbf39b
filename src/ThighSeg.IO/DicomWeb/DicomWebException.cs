using System.Net;
using ThighSeg.Core;

namespace ThighSeg.IO.DicomWeb;

/// <summary>
/// A DICOMweb request failed: the server refused the credentials (401/403), the study, series or path does not
/// exist (404), the server did not answer in time, could not be reached, or answered with something that is not
/// DICOMweb. The message names the URL and says what to check.
/// </summary>
public sealed class DicomWebException : ThighSegException
{
    /// <summary>Creates the exception with no message.</summary>
    public DicomWebException() { }

    /// <summary>Creates the exception with a message.</summary>
    public DicomWebException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public DicomWebException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for an HTTP status.</summary>
    public DicomWebException(string message, HttpStatusCode? status, Exception? innerException = null) : base(message, innerException!)
    {
        StatusCode = status;
    }

    /// <summary>The HTTP status the server answered with, or null when there was no answer.</summary>
    public HttpStatusCode? StatusCode { get; }
}
