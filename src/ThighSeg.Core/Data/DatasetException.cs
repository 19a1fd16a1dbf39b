namespace ThighSeg.Core.Data;

/// <summary>A dataset that cannot be used as given: a malformed manifest, missing files, duplicate subjects, an unknown
/// split, labels whose geometry or values do not match, or inconsistent splits. The message names the file and the problem.</summary>
public class DatasetException : ThighSegException
{
    /// <summary>Creates the exception with no message.</summary>
    public DatasetException() { }

    /// <summary>Creates the exception with a message that says what is wrong and where.</summary>
    public DatasetException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public DatasetException(string message, Exception innerException) : base(message, innerException) { }
}
