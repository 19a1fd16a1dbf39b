namespace ThighSeg.Core.Abstractions;

/// <summary>A model artifact or checkpoint is missing, corrupt, or incompatible with this version or these options.</summary>
public sealed class ModelFormatException : ThighSegException
{
    /// <summary>Creates the exception with no message.</summary>
    public ModelFormatException() { }

    /// <summary>Creates the exception with a message naming the file and the problem.</summary>
    public ModelFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ModelFormatException(string message, Exception innerException) : base(message, innerException) { }
}
