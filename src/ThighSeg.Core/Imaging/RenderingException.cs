namespace ThighSeg.Core.Imaging;

/// <summary>A figure cannot be drawn (for example, no font is installed to draw its text).</summary>
public class RenderingException : ThighSegException
{
    /// <summary>Creates the exception.</summary>
    public RenderingException() { }

    /// <summary>Creates the exception with a message.</summary>
    public RenderingException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public RenderingException(string message, Exception innerException) : base(message, innerException) { }
}
