using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace ThighSeg.IO.Tests.Dicom;

/// <summary>Transfer syntaxes the test writer produces.</summary>
public enum TestSyntax
{
    ExplicitLittle,
    ImplicitLittle,
    ExplicitBig,
    DeflatedExplicitLittle,
}

/// <summary>
/// A small DICOM writer for synthetic test data (independent of the reader under test): elements are given with
/// their VR and typed values and encoded for the chosen transfer syntax. Sequences can use defined or undefined lengths.
/// </summary>
public sealed class DicomTestWriter
{
    private readonly SortedDictionary<uint, Element> _elements = [];

    private abstract record Element(string Vr);
    private sealed record TextElement(string Vr, string Text) : Element(Vr);
    private sealed record U16Element(string Vr, ushort[] Values) : Element(Vr);
    private sealed record BytesElement(string Vr, byte[] Bytes) : Element(Vr);
    private sealed record WordsElement(string Vr, int BytesPerWord, long[] Words) : Element(Vr);
    private sealed record SequenceElement(List<DicomTestWriter> Items, bool UndefinedLength, bool UndefinedItems) : Element("SQ");

    public DicomTestWriter Text(uint tag, string vr, string text)
    {
        _elements[tag] = new TextElement(vr, text);
        return this;
    }

    public DicomTestWriter Numbers(uint tag, params double[] values) =>
        Text(tag, "DS", string.Join('\\', values.Select(v => v.ToString("0.########", CultureInfo.InvariantCulture))));

    public DicomTestWriter US(uint tag, params ushort[] values)
    {
        _elements[tag] = new U16Element("US", values);
        return this;
    }

    public DicomTestWriter Bytes(uint tag, string vr, byte[] bytes)
    {
        _elements[tag] = new BytesElement(vr, bytes);
        return this;
    }

    /// <summary>Pixel words of 1, 2 or 4 bytes, encoded in the syntax's byte order (VR OW, or OB for 1-byte words).</summary>
    public DicomTestWriter Pixels(int bytesPerWord, IEnumerable<long> words)
    {
        _elements[0x7FE00010] = new WordsElement(bytesPerWord == 1 ? "OB" : "OW", bytesPerWord, words.ToArray());
        return this;
    }

    public DicomTestWriter Sequence(uint tag, bool undefinedLength, bool undefinedItems, params DicomTestWriter[] items)
    {
        _elements[tag] = new SequenceElement([.. items], undefinedLength, undefinedItems);
        return this;
    }

    public DicomTestWriter Remove(uint tag)
    {
        _elements.Remove(tag);
        return this;
    }

    /// <summary>A classic single-frame MR image with 16-bit signed pixels.</summary>
    public static DicomTestWriter MrSlice(int rows, int cols, double[]? position, double[]? orientation, double[]? spacing,
        IReadOnlyList<short> pixels, string seriesUid = "1.2.3.4.5", int instance = 1, double slope = 1, double intercept = 0)
    {
        var w = new DicomTestWriter()
            .Text(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.4")
            .Text(0x00080018, "UI", $"1.2.3.4.5.6.{instance}")
            .Text(0x00080060, "CS", "MR")
            .Text(0x0020000E, "UI", seriesUid)
            .Text(0x00200013, "IS", instance.ToString(CultureInfo.InvariantCulture))
            .US(0x00280002, 1)
            .Text(0x00280004, "CS", "MONOCHROME2")
            .US(0x00280010, (ushort)rows)
            .US(0x00280011, (ushort)cols)
            .US(0x00280100, 16)
            .US(0x00280101, 16)
            .US(0x00280102, 15)
            .US(0x00280103, 1)
            .Numbers(0x00281052, intercept)
            .Numbers(0x00281053, slope)
            .Pixels(2, pixels.Select(p => (long)(ushort)p));
        if (position is not null)
        {
            w.Numbers(0x00200032, position);
        }
        if (orientation is not null)
        {
            w.Numbers(0x00200037, orientation);
        }
        if (spacing is not null)
        {
            w.Numbers(0x00280030, spacing);
        }
        return w;
    }

    /// <summary>The file bytes: optional 128-byte preamble + "DICM", optional meta group, then the dataset.</summary>
    public byte[] ToBytes(TestSyntax syntax = TestSyntax.ExplicitLittle, bool preamble = true, bool meta = true, string? transferSyntaxOverride = null)
    {
        var output = new MemoryStream();
        if (preamble)
        {
            output.Write(new byte[128]);
            output.Write("DICM"u8);
        }
        if (meta)
        {
            string ts = transferSyntaxOverride ?? syntax switch
            {
                TestSyntax.ExplicitLittle => "1.2.840.10008.1.2.1",
                TestSyntax.ImplicitLittle => "1.2.840.10008.1.2",
                TestSyntax.ExplicitBig => "1.2.840.10008.1.2.2",
                _ => "1.2.840.10008.1.2.1.99",
            };
            var metaWriter = new DicomTestWriter()
                .Bytes(0x00020001, "OB", [0, 1])
                .Text(0x00020002, "UI", _elements.TryGetValue(0x00080016, out var sop) && sop is TextElement t ? t.Text : "1.2.840.10008.5.1.4.1.1.7")
                .Text(0x00020003, "UI", "1.2.3.4.5.6.7")
                .Text(0x00020010, "UI", ts);
            byte[] metaBody = metaWriter.Encode(explicitVr: true, big: false);
            var groupLength = new DicomTestWriter();
            groupLength._elements[0x00020000] = new BytesElement("UL", BitConverter.GetBytes((uint)metaBody.Length));
            output.Write(groupLength.Encode(explicitVr: true, big: false));
            output.Write(metaBody);
        }
        byte[] body = Encode(explicitVr: syntax != TestSyntax.ImplicitLittle, big: syntax == TestSyntax.ExplicitBig);
        if (syntax == TestSyntax.DeflatedExplicitLittle)
        {
            var compressed = new MemoryStream();
            using (var deflate = new DeflateStream(compressed, CompressionLevel.Optimal, leaveOpen: true))
            {
                deflate.Write(body);
            }
            body = compressed.ToArray();
        }
        output.Write(body);
        return output.ToArray();
    }

    public string WriteTo(string path, TestSyntax syntax = TestSyntax.ExplicitLittle, bool preamble = true)
    {
        File.WriteAllBytes(path, ToBytes(syntax, preamble));
        return path;
    }

    private byte[] Encode(bool explicitVr, bool big)
    {
        var o = new MemoryStream();
        foreach (var (tag, element) in _elements)
        {
            WriteElement(o, tag, element, explicitVr, big);
        }
        return o.ToArray();
    }

    private static void WriteElement(MemoryStream o, uint tag, Element e, bool explicitVr, bool big)
    {
        if (e is SequenceElement sq)
        {
            var content = new MemoryStream();
            foreach (var item in sq.Items)
            {
                byte[] itemBody = item.Encode(explicitVr, big);
                WriteTag(content, 0xFFFEE000, big);
                WriteU32(content, sq.UndefinedItems ? 0xFFFFFFFF : (uint)itemBody.Length, big);
                content.Write(itemBody);
                if (sq.UndefinedItems)
                {
                    WriteTag(content, 0xFFFEE00D, big);
                    WriteU32(content, 0, big);
                }
            }
            if (sq.UndefinedLength)
            {
                WriteTag(content, 0xFFFEE0DD, big);
                WriteU32(content, 0, big);
            }
            WriteHeader(o, tag, "SQ", sq.UndefinedLength ? 0xFFFFFFFF : (uint)content.Length, explicitVr, big);
            o.Write(content.ToArray());
            return;
        }
        byte[] value = e switch
        {
            TextElement t => Pad(Encoding.ASCII.GetBytes(t.Text), t.Vr == "UI" ? (byte)0 : (byte)' '),
            U16Element u => u.Values.SelectMany(v => big ? [(byte)(v >> 8), (byte)v] : new[] { (byte)v, (byte)(v >> 8) }).ToArray(),
            BytesElement b => b.Bytes,
            WordsElement w => Pad(EncodeWords(w, big), 0),
            _ => throw new InvalidOperationException(),
        };
        WriteHeader(o, tag, e.Vr, (uint)value.Length, explicitVr, big);
        o.Write(value);
    }

    private static byte[] EncodeWords(WordsElement w, bool big)
    {
        var bytes = new byte[w.Words.Length * w.BytesPerWord];
        for (int i = 0; i < w.Words.Length; i++)
        {
            var span = bytes.AsSpan(i * w.BytesPerWord, w.BytesPerWord);
            switch (w.BytesPerWord)
            {
                case 1: span[0] = (byte)w.Words[i]; break;
                case 2:
                    if (big) { BinaryPrimitives.WriteUInt16BigEndian(span, (ushort)w.Words[i]); }
                    else { BinaryPrimitives.WriteUInt16LittleEndian(span, (ushort)w.Words[i]); }
                    break;
                default:
                    if (big) { BinaryPrimitives.WriteUInt32BigEndian(span, (uint)w.Words[i]); }
                    else { BinaryPrimitives.WriteUInt32LittleEndian(span, (uint)w.Words[i]); }
                    break;
            }
        }
        return bytes;
    }

    private static byte[] Pad(byte[] b, byte pad) => b.Length % 2 == 0 ? b : [.. b, pad];

    private static void WriteHeader(MemoryStream o, uint tag, string vr, uint length, bool explicitVr, bool big)
    {
        WriteTag(o, tag, big);
        if (!explicitVr)
        {
            WriteU32(o, length, big);
            return;
        }
        o.Write(Encoding.ASCII.GetBytes(vr));
        if (vr is "OB" or "OD" or "OF" or "OL" or "OV" or "OW" or "SQ" or "SV" or "UC" or "UN" or "UR" or "UT" or "UV")
        {
            o.Write([0, 0]);
            WriteU32(o, length, big);
        }
        else
        {
            Span<byte> l = stackalloc byte[2];
            if (big) { BinaryPrimitives.WriteUInt16BigEndian(l, (ushort)length); } else { BinaryPrimitives.WriteUInt16LittleEndian(l, (ushort)length); }
            o.Write(l);
        }
    }

    private static void WriteTag(MemoryStream o, uint tag, bool big)
    {
        Span<byte> b = stackalloc byte[4];
        if (big)
        {
            BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)(tag >> 16));
            BinaryPrimitives.WriteUInt16BigEndian(b[2..], (ushort)tag);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(b, (ushort)(tag >> 16));
            BinaryPrimitives.WriteUInt16LittleEndian(b[2..], (ushort)tag);
        }
        o.Write(b);
    }

    private static void WriteU32(MemoryStream o, uint v, bool big)
    {
        Span<byte> b = stackalloc byte[4];
        if (big) { BinaryPrimitives.WriteUInt32BigEndian(b, v); } else { BinaryPrimitives.WriteUInt32LittleEndian(b, v); }
        o.Write(b);
    }
}
