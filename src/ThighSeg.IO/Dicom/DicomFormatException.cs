using System.Globalization;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// A DICOM file or series that is malformed, inconsistent or uses something ThighSeg does not decode (compressed
/// transfer syntaxes, multi-frame objects, colour images). The message names the file and, where it applies, the
/// element tag and the byte offset.
/// </summary>
public sealed class DicomFormatException : VolumeFormatException
{
    /// <summary>What to do about a malformed file (appended to parse errors).</summary>
    internal const string DamagedHint = "the file is damaged or not valid DICOM: copy or export it again from the scanner or PACS (`dcmdump` shows where it breaks)";

    /// <summary>Creates the exception with no message.</summary>
    public DicomFormatException() { }

    /// <summary>Creates the exception with a message.</summary>
    public DicomFormatException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public DicomFormatException(string message, Exception innerException) : base(message, innerException) { }

    /// <summary>Creates the exception for a problem in <paramref name="file"/>, optionally at an element and byte offset.</summary>
    /// <param name="file">The file (or series folder) concerned.</param>
    /// <param name="problem">What is wrong.</param>
    /// <param name="tag">The element tag as <c>(gggg,eeee)</c>, or null.</param>
    /// <param name="offset">The byte offset of the element in the (decoded) dataset, or null.</param>
    /// <param name="innerException">The cause, or null.</param>
    public DicomFormatException(string file, string problem, string? tag, long? offset, Exception? innerException = null)
        : base(Compose(file, problem, tag, offset), innerException!)
    {
        File = file;
        Tag = tag;
        Offset = offset;
    }

    /// <summary>The file (or folder) concerned, when known.</summary>
    public string? File { get; }

    /// <summary>The element tag as <c>(gggg,eeee)</c>, when the problem is in one element.</summary>
    public string? Tag { get; }

    /// <summary>The byte offset of the element, when known (in the inflated dataset for deflated files).</summary>
    public long? Offset { get; }

    private static string Compose(string file, string problem, string? tag, long? offset)
    {
        string where = (tag, offset) switch
        {
            (not null, not null) => string.Create(CultureInfo.InvariantCulture, $" (element {tag} at byte offset {offset})"),
            (not null, null) => $" (element {tag})",
            (null, not null) => string.Create(CultureInfo.InvariantCulture, $" (at byte offset {offset})"),
            _ => string.Empty,
        };
        return $"DICOM {file}: {problem}{where}.";
    }
}
