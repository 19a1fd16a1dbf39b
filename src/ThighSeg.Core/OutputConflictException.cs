namespace ThighSeg.Core;

/// <summary>An output path that would replace one of the command's inputs or mix with files another run wrote.</summary>
public sealed class OutputConflictException : ThighSegException
{
    /// <summary>Creates the exception with no message.</summary>
    public OutputConflictException() { }

    /// <summary>Creates the exception with a message that names the paths and what to do.</summary>
    public OutputConflictException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public OutputConflictException(string message, Exception innerException) : base(message, innerException) { }
}
