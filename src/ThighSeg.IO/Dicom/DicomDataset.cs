using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// The top-level elements of one parsed DICOM file (sequence contents are walked for validity and skipped) over the
/// bytes of the dataset (inflated for the deflated transfer syntax).
/// </summary>
internal sealed class DicomDataset
{
    private readonly Dictionary<uint, DicomElement> _elements;

    public DicomDataset(string source, byte[] bytes, DicomEncoding encoding, string transferSyntax, Dictionary<uint, DicomElement> elements)
    {
        Source = source;
        Bytes = bytes;
        Encoding = encoding;
        TransferSyntax = transferSyntax;
        _elements = elements;
    }

    public string Source { get; }

    public byte[] Bytes { get; }

    public DicomEncoding Encoding { get; }

    public string TransferSyntax { get; }

    public bool BigEndian => Encoding == DicomEncoding.ExplicitBig;

    public bool Contains(uint tag) => _elements.ContainsKey(tag);

    public bool TryGet(uint tag, out DicomElement element) => _elements.TryGetValue(tag, out element);

    public DicomFormatException Error(string problem, uint? tag = null, long? offset = null) =>
        new(Source, problem, tag is uint t ? DicomParser.FormatTag(t) : null, offset);

    /// <summary>The value as text (ASCII), trailing spaces and NULs removed; null when absent.</summary>
    public string? GetString(uint tag)
    {
        if (!_elements.TryGetValue(tag, out var e))
        {
            return null;
        }
        return System.Text.Encoding.Latin1.GetString(Bytes, e.ValueOffset, e.Length).TrimEnd(' ', '\0').TrimStart(' ');
    }

    /// <summary>An unsigned 16-bit value (US), or null when absent.</summary>
    public int? GetUInt16(uint tag)
    {
        if (!_elements.TryGetValue(tag, out var e))
        {
            return null;
        }
        if (e.Length < 2)
        {
            throw Error($"a 16-bit value needs 2 bytes but the element holds {e.Length}", tag, e.HeaderOffset);
        }
        var span = Bytes.AsSpan(e.ValueOffset, 2);
        return BigEndian ? BinaryPrimitives.ReadUInt16BigEndian(span) : BinaryPrimitives.ReadUInt16LittleEndian(span);
    }

    /// <summary>Decimal strings (DS) or integer strings (IS) separated by backslashes; null when absent or empty.</summary>
    public double[]? GetNumbers(uint tag, string name)
    {
        string? text = GetString(tag);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        return ParseNumbers(text) ?? throw Error(NotNumbers(name, text), tag, _elements.TryGetValue(tag, out var e) ? e.HeaderOffset : null);
    }

    /// <summary>The numbers of a DS/IS value (backslash-separated, padding trimmed), or null when one is not a finite number.</summary>
    internal static double[]? ParseNumbers(string text)
    {
        string[] parts = text.Split('\\');
        var values = new double[parts.Length];
        for (int i = 0; i < parts.Length; i++)
        {
            if (!double.TryParse(parts[i].Trim(' ', '\0'), NumberStyles.Float, CultureInfo.InvariantCulture, out values[i]) || !double.IsFinite(values[i]))
            {
                return null;
            }
        }
        return values;
    }

    /// <summary>The message for a DS/IS value that is not a list of finite numbers.</summary>
    internal static string NotNumbers(string name, string text) =>
        $"{name} value '{Printable(text)}' is not a list of finite numbers; {DicomFormatException.DamagedHint}";

    /// <summary>A value shortened and with control characters replaced, safe to put in a message.</summary>
    public static string Printable(string text)
    {
        var sb = new StringBuilder(Math.Min(text.Length, 64));
        foreach (char c in text.AsSpan(0, Math.Min(text.Length, 64)))
        {
            sb.Append(c is >= ' ' and <= '~' ? c : '?');
        }
        if (text.Length > 64)
        {
            sb.Append("...");
        }
        return sb.ToString();
    }
}
