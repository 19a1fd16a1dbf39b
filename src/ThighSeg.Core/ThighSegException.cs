namespace ThighSeg.Core;

/// <summary>Base class of the errors ThighSeg raises for problems a user can act on (bad input, bad options, missing devices).</summary>
public class ThighSegException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public ThighSegException() { }

    /// <summary>Creates the exception with a message that says what is wrong and what to do.</summary>
    public ThighSegException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public ThighSegException(string message, Exception innerException) : base(message, innerException) { }
}
