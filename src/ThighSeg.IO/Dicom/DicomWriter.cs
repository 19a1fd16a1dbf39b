using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Security.Cryptography;
using System.Text;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// Builds one DICOM dataset (elements in tag order, nested sequences) and encodes it as explicit VR little endian
/// with defined lengths, optionally as a Part 10 file (preamble, "DICM", file meta information group).
/// </summary>
/// <remarks>
/// Text values are encoded byte for byte as Latin-1, so values copied from a source dataset (read as Latin-1) keep
/// their original bytes under the source's Specific Character Set. Values are padded to even length as PS3.5 6.2
/// says (UI with NUL, OB with 0, other text with a space). Not thread-safe.
/// </remarks>
internal sealed class DicomWriter
{
    /// <summary>UID root for UUID-derived UIDs (PS3.5 B.2).</summary>
    public const string UuidRoot = "2.25.";

    private static readonly HashSet<string> LongLengthVrs = new(StringComparer.Ordinal)
    {
        "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV",
    };

    private readonly SortedDictionary<uint, Element> _elements = [];

    private abstract record Element(string Vr);
    private sealed record BytesElement(string Vr, byte[] Value) : Element(Vr);
    private sealed record SequenceElement(IReadOnlyList<DicomWriter> Items) : Element("SQ");

    /// <summary>Number of top-level elements.</summary>
    public int Count => _elements.Count;

    /// <summary>A text element (AE, AS, CS, DA, DS, IS, LO, LT, PN, SH, ST, TM, UI, UT...); null or empty gives a zero-length value (type 2).</summary>
    public DicomWriter Text(uint tag, string vr, string? value)
    {
        byte[] bytes = Encoding.Latin1.GetBytes(value ?? string.Empty);
        return Put(tag, vr, Pad(bytes, vr == "UI" ? (byte)0 : (byte)' '));
    }

    /// <summary>Several text values joined by backslashes.</summary>
    public DicomWriter Texts(uint tag, string vr, params string[] values) => Text(tag, vr, string.Join('\\', values));

    /// <summary>Decimal strings (DS), each at most 16 characters.</summary>
    public DicomWriter Decimals(uint tag, params double[] values) =>
        Text(tag, "DS", string.Join('\\', values.Select(FormatDecimal)));

    /// <summary>An integer string (IS).</summary>
    public DicomWriter Integer(uint tag, long value) => Text(tag, "IS", value.ToString(CultureInfo.InvariantCulture));

    /// <summary>Unsigned 16-bit values (US).</summary>
    public DicomWriter UInt16(uint tag, params ushort[] values)
    {
        var b = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(i * 2), values[i]);
        }
        return Put(tag, "US", b);
    }

    /// <summary>Unsigned 32-bit values (UL).</summary>
    public DicomWriter UInt32(uint tag, params uint[] values)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(i * 4), values[i]);
        }
        return Put(tag, "UL", b);
    }

    /// <summary>Attribute tags (AT), each written as group then element.</summary>
    public DicomWriter Tags(uint tag, params uint[] values)
    {
        var b = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(i * 4), (ushort)(values[i] >> 16));
            BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan((i * 4) + 2), (ushort)values[i]);
        }
        return Put(tag, "AT", b);
    }

    /// <summary>Raw bytes (OB, OW, UN...), padded with 0 to even length.</summary>
    public DicomWriter Bytes(uint tag, string vr, byte[] value) => Put(tag, vr, Pad(value, 0));

    /// <summary>A sequence of items (an empty list gives an empty sequence).</summary>
    public DicomWriter Sequence(uint tag, params DicomWriter[] items)
    {
        _elements[tag] = new SequenceElement(items);
        return this;
    }

    /// <summary>A sequence of one coded entry (Code Value, Coding Scheme Designator, Code Meaning).</summary>
    public DicomWriter Code(uint tag, DicomCode code) => Sequence(tag, CodeItem(code));

    /// <summary>One code sequence item.</summary>
    public static DicomWriter CodeItem(DicomCode code)
    {
        ArgumentNullException.ThrowIfNull(code);
        return new DicomWriter()
            .Text(0x00080100, "SH", code.Value)
            .Text(0x00080102, "SH", code.Scheme)
            .Text(0x00080104, "LO", code.Meaning);
    }

    /// <summary>The dataset as explicit VR little endian bytes with defined lengths.</summary>
    public byte[] Encode()
    {
        using var o = new MemoryStream();
        WriteTo(o);
        return o.ToArray();
    }

    /// <summary>
    /// The dataset as a Part 10 file: a 128-byte zero preamble, "DICM", the file meta group (explicit VR little
    /// endian transfer syntax) and the dataset.
    /// </summary>
    public byte[] ToPart10(string sopClassUid, string sopInstanceUid, string implementationVersion)
    {
        var meta = new DicomWriter()
            .Bytes(0x00020001, "OB", [0, 1])
            .Text(0x00020002, "UI", sopClassUid)
            .Text(0x00020003, "UI", sopInstanceUid)
            .Text(0x00020010, "UI", DicomUids.ExplicitVrLittleEndian)
            .Text(0x00020012, "UI", ImplementationClassUid)
            .Text(0x00020013, "SH", implementationVersion.Length > 16 ? implementationVersion[..16] : implementationVersion);
        byte[] metaBody = meta.Encode();
        using var o = new MemoryStream();
        o.Write(new byte[128]);
        o.Write("DICM"u8);
        new DicomWriter().UInt32(0x00020000, (uint)metaBody.Length).WriteTo(o);
        o.Write(metaBody);
        WriteTo(o);
        return o.ToArray();
    }

    /// <summary>ThighSeg's implementation class UID (a fixed UUID-derived UID).</summary>
    public const string ImplementationClassUid = "2.25.185370493628815305012395178376093127401";

    /// <summary>A new globally unique UID under the 2.25 (UUID) root.</summary>
    public static string NewUid()
    {
        Span<byte> bytes = stackalloc byte[16];
        RandomNumberGenerator.Fill(bytes);
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x40); // UUID version 4
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true);
        return UuidRoot + value.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A decimal string of at most 16 characters (PS3.5 DS), as precise as fits.</summary>
    public static string FormatDecimal(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "a DS value must be finite");
        }
        if (Math.Abs(value) < 1e-12)
        {
            return "0";
        }
        for (int digits = 15; digits >= 1; digits--)
        {
            string s = value.ToString("G" + digits.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
            if (s.Length <= 16)
            {
                return s;
            }
        }
        throw new ArgumentOutOfRangeException(nameof(value), value, "cannot be written in 16 characters");
    }

    private DicomWriter Put(uint tag, string vr, byte[] value)
    {
        if (value.Length > (LongLengthVrs.Contains(vr) ? int.MaxValue - 1 : ushort.MaxValue - 1))
        {
            throw new ArgumentException($"value of {DicomParser.FormatTag(tag)} ({vr}) is {value.Length} bytes, too long for its VR", nameof(value));
        }
        _elements[tag] = new BytesElement(vr, value);
        return this;
    }

    private void WriteTo(Stream o)
    {
        foreach (var (tag, element) in _elements)
        {
            if (element is SequenceElement sq)
            {
                using var content = new MemoryStream();
                foreach (DicomWriter item in sq.Items)
                {
                    byte[] body = item.Encode();
                    WriteTag(content, 0xFFFEE000);
                    WriteU32(content, (uint)body.Length);
                    content.Write(body);
                }
                WriteHeader(o, tag, "SQ", (uint)content.Length);
                content.Position = 0;
                content.CopyTo(o);
            }
            else
            {
                var b = (BytesElement)element;
                WriteHeader(o, tag, b.Vr, (uint)b.Value.Length);
                o.Write(b.Value);
            }
        }
    }

    private static void WriteHeader(Stream o, uint tag, string vr, uint length)
    {
        WriteTag(o, tag);
        o.WriteByte((byte)vr[0]);
        o.WriteByte((byte)vr[1]);
        if (LongLengthVrs.Contains(vr))
        {
            o.WriteByte(0);
            o.WriteByte(0);
            WriteU32(o, length);
        }
        else
        {
            Span<byte> l = stackalloc byte[2];
            BinaryPrimitives.WriteUInt16LittleEndian(l, (ushort)length);
            o.Write(l);
        }
    }

    private static void WriteTag(Stream o, uint tag)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)(tag >> 16));
        BinaryPrimitives.WriteUInt16LittleEndian(b[2..], (ushort)tag);
        o.Write(b);
    }

    private static void WriteU32(Stream o, uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        o.Write(b);
    }

    private static byte[] Pad(byte[] value, byte pad)
    {
        if ((value.Length & 1) == 0)
        {
            return value;
        }
        var padded = new byte[value.Length + 1];
        value.CopyTo(padded, 0);
        padded[^1] = pad;
        return padded;
    }
}
