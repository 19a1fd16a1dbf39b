using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// A bounds-checked DICOM Part 10 / raw dataset parser. Every length is checked against the bytes that remain before
/// anything is sliced or allocated; odd lengths, unknown VRs, stray delimiters, nesting deeper than
/// <see cref="MaxDepth"/> and truncation are <see cref="DicomFormatException"/>s. Stateless and thread-safe.
/// </summary>
internal static partial class DicomParser
{
    public const uint PixelDataTag = 0x7FE00010;
    public const uint FloatPixelDataTag = 0x7FE00008;
    public const uint DoubleFloatPixelDataTag = 0x7FE00009;
    private const uint TransferSyntaxTag = 0x00020010;
    private const uint ItemTag = 0xFFFEE000;
    private const uint ItemDelimitationTag = 0xFFFEE00D;
    private const uint SequenceDelimitationTag = 0xFFFEE0DD;
    private const uint UndefinedLength = 0xFFFFFFFF;

    /// <summary>Deepest sequence nesting accepted (real data rarely exceeds 5).</summary>
    public const int MaxDepth = 32;

    /// <summary>Default largest inflated dataset for the deflated transfer syntax (<see cref="VolumeReadOptions.DefaultMaxDecompressedBytes"/>).</summary>
    public const long MaxInflatedBytes = VolumeReadOptions.DefaultMaxDecompressedBytes;

    private static readonly HashSet<string> KnownVrs = new(StringComparer.Ordinal)
    {
        "AE", "AS", "AT", "CS", "DA", "DS", "DT", "FD", "FL", "IS", "LO", "LT", "OB", "OD", "OF", "OL", "OV", "OW",
        "PN", "SH", "SL", "SQ", "SS", "ST", "SV", "TM", "UC", "UI", "UL", "UN", "UR", "US", "UT", "UV",
    };

    private static readonly HashSet<string> LongLengthVrs = new(StringComparer.Ordinal)
    {
        "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV",
    };

    public static string FormatTag(uint tag) => string.Create(CultureInfo.InvariantCulture, $"({tag >> 16:X4},{tag & 0xFFFF:X4})");

    /// <summary>True when the file starts like DICOM: "DICM" at 128 or 0, or a raw dataset starting with group 0002/0008.</summary>
    public static bool LooksLikeDicom(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 132 && head.Slice(128, 4).SequenceEqual("DICM"u8))
        {
            return true;
        }
        if (head.Length >= 4 && head[..4].SequenceEqual("DICM"u8))
        {
            return true;
        }
        if (head.Length < 8)
        {
            return false;
        }
        ushort group = BinaryPrimitives.ReadUInt16LittleEndian(head);
        ushort element = BinaryPrimitives.ReadUInt16LittleEndian(head[2..]);
        return (group == 0x0002 || group == 0x0008) && element <= 0x00FF;
    }

    /// <summary>Parses a whole file held in memory.</summary>
    /// <exception cref="DicomFormatException">Malformed, truncated, or an unsupported transfer syntax.</exception>
    public static DicomDataset Parse(byte[] data, string source, long maxInflatedBytes = MaxInflatedBytes)
    {
        ArgumentNullException.ThrowIfNull(data);
        int pos;
        bool hasMagic;
        if (data.Length >= 132 && data.AsSpan(128, 4).SequenceEqual("DICM"u8))
        {
            pos = 132;
            hasMagic = true;
        }
        else if (data.Length >= 4 && data.AsSpan(0, 4).SequenceEqual("DICM"u8))
        {
            pos = 4;
            hasMagic = true;
        }
        else
        {
            pos = 0;
            hasMagic = false;
        }

        // File meta information (group 0002): explicit VR little endian by the standard; tolerate implicit VR in
        // files that lack the preamble, as some writers produce them.
        string? transferSyntax = null;
        if (pos + 8 <= data.Length && BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(pos)) == 0x0002)
        {
            var metaEncoding = HasExplicitVr(data, pos) ? DicomEncoding.ExplicitLittle : DicomEncoding.ImplicitLittle;
            var meta = new Dictionary<uint, DicomElement>();
            while (pos + 2 <= data.Length && BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(pos)) == 0x0002)
            {
                ReadElement(data, ref pos, data.Length, metaEncoding, source, depth: 0, meta);
            }
            if (meta.TryGetValue(TransferSyntaxTag, out var ts))
            {
                transferSyntax = Encoding.ASCII.GetString(data, ts.ValueOffset, ts.Length).TrimEnd(' ', '\0').Trim();
                if (transferSyntax.Length == 0)
                {
                    transferSyntax = null;
                }
            }
        }
        else if (hasMagic)
        {
            throw new DicomFormatException(source, "the DICM marker is not followed by file meta information (group 0002)", null, pos);
        }

        DicomEncoding encoding;
        if (transferSyntax is null)
        {
            // No meta header, or no transfer syntax in it: little endian, explicit VR when the first element has a VR.
            encoding = pos + 6 <= data.Length && HasExplicitVr(data, pos) ? DicomEncoding.ExplicitLittle : DicomEncoding.ImplicitLittle;
            transferSyntax = encoding == DicomEncoding.ExplicitLittle ? DicomUids.ExplicitVrLittleEndian : DicomUids.ImplicitVrLittleEndian;
        }
        else
        {
            // Compressed syntaxes are parsed (their attributes say which series they belong to) but never decoded:
            // DicomImage refuses them, naming the transfer syntax.
            encoding = DicomUids.NativeEncoding(transferSyntax)
                ?? (DicomUids.IsEncapsulated(transferSyntax) ? DicomEncoding.ExplicitLittleEncapsulated : throw UnsupportedTransferSyntax(source, transferSyntax));
        }

        byte[] body = data;
        if (transferSyntax == DicomUids.DeflatedExplicitVrLittleEndian)
        {
            body = Inflate(data, pos, source, maxInflatedBytes);
            pos = 0;
        }

        var elements = new Dictionary<uint, DicomElement>();
        while (pos < body.Length)
        {
            if (body.Length - pos < 8 && body.AsSpan(pos).IndexOfAnyExcept((byte)0) < 0)
            {
                break; // zero padding shorter than an element header at the very end
            }
            ReadElement(body, ref pos, body.Length, encoding, source, depth: 0, elements);
        }
        return new DicomDataset(source, body, encoding, transferSyntax, elements);
    }

    /// <summary>The refusal for a transfer syntax ThighSeg cannot decode.</summary>
    public static DicomFormatException UnsupportedTransferSyntax(string source, string transferSyntax) =>
        new(source,
            $"transfer syntax {DicomUids.DescribeTransferSyntax(transferSyntax)} is not supported: ThighSeg decodes only uncompressed " +
            "implicit/explicit VR little endian, explicit VR big endian and deflated explicit VR little endian data; " +
            "decompress the series first (for example `dcmdjpeg`, `dcmdrle`, `dcmdjpls` or `gdcmconv --raw`)",
            FormatTag(TransferSyntaxTag), null);

    private static bool HasExplicitVr(byte[] data, int pos) =>
        pos + 6 <= data.Length && KnownVrs.Contains(Encoding.ASCII.GetString(data, pos + 4, 2));

    private static byte[] Inflate(byte[] data, int pos, string source, long maxInflatedBytes)
    {
        // Deflate cannot expand more than ~1032:1, which bounds what a hostile stream can make us inflate; the limit
        // (VolumeReadOptions.MaxDecompressedBytes) is enforced chunk by chunk while inflating, and the dataset array is
        // allocated once, at its final size, only when the stream has ended within it.
        long bound = Math.Min(Math.Min(maxInflatedBytes, Array.MaxLength), ((long)(data.Length - pos) * 1032) + 1024);
        var chunks = new List<byte[]>();
        const int chunkSize = 1 << 20;
        try
        {
            using var input = new MemoryStream(data, pos, data.Length - pos, writable: false);
            using var inflater = new DeflateStream(input, CompressionMode.Decompress);
            long total = 0;
            while (true)
            {
                var chunk = new byte[chunkSize];
                int n = inflater.ReadAtLeast(chunk, chunkSize, throwOnEndOfStream: false);
                if (n == 0)
                {
                    break;
                }
                total += n;
                if (total > bound)
                {
                    throw new DicomFormatException(source, bound == maxInflatedBytes
                        ? $"the deflated dataset inflates to more than {bound} bytes, the limit (VolumeReadOptions.MaxDecompressedBytes; raise it to read larger files)"
                        : $"the deflated dataset inflates to more than {bound} bytes, more than deflate can produce from {data.Length - pos} bytes", null, pos);
                }
                chunks.Add(n == chunkSize ? chunk : chunk[..n]);
                if (n < chunkSize)
                {
                    break;
                }
            }
            var body = new byte[total];
            long at = 0;
            foreach (byte[] c in chunks)
            {
                c.CopyTo(body, at);
                at += c.Length;
            }
            return body;
        }
        catch (InvalidDataException ex)
        {
            throw new DicomFormatException(source, $"the deflated dataset is corrupt ({ex.Message})", null, pos, ex);
        }
    }

    /// <summary>
    /// Reads one element at <paramref name="pos"/> that must end by <paramref name="limit"/>, walking sequences;
    /// stores it in <paramref name="sink"/> when given.
    /// </summary>
    private static uint ReadElement(byte[] d, ref int pos, int limit, DicomEncoding enc, string source, int depth, Dictionary<uint, DicomElement>? sink)
    {
        int start = pos;
        if (limit - pos < 8)
        {
            throw new DicomFormatException(source, $"truncated element header ({limit - pos} bytes left, 8 needed)", null, start);
        }
        bool big = enc == DicomEncoding.ExplicitBig;
        uint tag = ((uint)ReadU16(d, pos, big) << 16) | ReadU16(d, pos + 2, big);
        pos += 4;
        string vr = string.Empty;
        uint length;
        if ((tag >> 16) == 0xFFFE)
        {
            throw new DicomFormatException(source, tag switch
            {
                ItemTag => "a sequence item appears outside a sequence",
                ItemDelimitationTag => "an item delimiter appears outside a sequence item",
                SequenceDelimitationTag => "a sequence delimiter appears outside a sequence",
                _ => "an element of reserved group FFFE appears",
            }, FormatTag(tag), start);
        }
        if (enc == DicomEncoding.ImplicitLittle)
        {
            length = ReadU32(d, pos, big);
            pos += 4;
        }
        else
        {
            byte v0 = d[pos], v1 = d[pos + 1];
            if (v0 < 'A' || v0 > 'Z' || v1 < 'A' || v1 > 'Z')
            {
                throw new DicomFormatException(source, $"invalid VR bytes 0x{v0:X2} 0x{v1:X2}; {DicomFormatException.DamagedHint}", FormatTag(tag), start);
            }
            vr = string.Create(2, (v0, v1), static (s, b) => { s[0] = (char)b.v0; s[1] = (char)b.v1; });
            if (!KnownVrs.Contains(vr))
            {
                throw new DicomFormatException(source, $"unknown VR '{vr}'", FormatTag(tag), start);
            }
            if (LongLengthVrs.Contains(vr))
            {
                if (limit - pos < 8)
                {
                    throw new DicomFormatException(source, "truncated element header", FormatTag(tag), start);
                }
                length = ReadU32(d, pos + 4, big);
                pos += 8;
            }
            else
            {
                length = ReadU16(d, pos + 2, big);
                pos += 4;
            }
        }

        if (length == UndefinedLength)
        {
            if (tag == PixelDataTag && enc == DicomEncoding.ExplicitLittleEncapsulated)
            {
                SkipFragments(d, ref pos, limit, source, start);
                if (sink is not null && !sink.TryAdd(tag, new DicomElement(tag, vr, pos, 0, start)))
                {
                    throw new DicomFormatException(source, "the element appears twice", FormatTag(tag), start);
                }
                return tag;
            }
            if (tag == PixelDataTag)
            {
                throw new DicomFormatException(source,
                    "pixel data has undefined length (encapsulated fragments), which is not allowed in an uncompressed transfer syntax",
                    FormatTag(tag), start);
            }
            if (enc != DicomEncoding.ImplicitLittle && vr != "SQ" && vr != "UN")
            {
                throw new DicomFormatException(source, $"undefined length is not allowed for VR {vr}", FormatTag(tag), start);
            }
            // Undefined-length UN holds a sequence encoded in implicit VR little endian (PS3.5 6.2.2).
            var inner = vr == "UN" ? DicomEncoding.ImplicitLittle : enc;
            int valueStart = pos;
            SkipUndefinedSequence(d, ref pos, limit, inner, source, depth + 1, tag);
            // Recorded (value = the items and the sequence delimiter) so functional groups can be read.
            if (sink is not null && !sink.TryAdd(tag, new DicomElement(tag, vr, valueStart, pos - valueStart, start)))
            {
                throw new DicomFormatException(source, "the element appears twice", FormatTag(tag), start);
            }
            return tag;
        }
        if ((length & 1) != 0)
        {
            throw new DicomFormatException(source, $"odd value length {length} (DICOM value lengths are even); {DicomFormatException.DamagedHint}", FormatTag(tag), start);
        }
        if (length > (uint)(limit - pos))
        {
            throw new DicomFormatException(source, $"value length {length} exceeds the {limit - pos} bytes left (truncated file?); {DicomFormatException.DamagedHint}", FormatTag(tag), start);
        }
        if (vr == "SQ" && length > 0)
        {
            SkipDefinedSequence(d, pos, (int)length, enc, source, depth + 1, tag);
        }
        if (sink is not null && !sink.TryAdd(tag, new DicomElement(tag, vr, pos, (int)length, start)))
        {
            throw new DicomFormatException(source, "the element appears twice", FormatTag(tag), start);
        }
        pos += (int)length;
        return tag;
    }

    /// <summary>Skips encapsulated pixel data: fragment items of defined length up to the sequence delimiter.</summary>
    private static void SkipFragments(byte[] d, ref int pos, int limit, string source, int start)
    {
        while (true)
        {
            if (limit - pos < 8)
            {
                throw new DicomFormatException(source, "encapsulated pixel data ends without a sequence delimiter", FormatTag(PixelDataTag), start);
            }
            uint tag = ((uint)ReadU16(d, pos, false) << 16) | ReadU16(d, pos + 2, false);
            uint length = ReadU32(d, pos + 4, false);
            int itemStart = pos;
            pos += 8;
            if (tag == SequenceDelimitationTag)
            {
                return;
            }
            if (tag != ItemTag || length > (uint)(limit - pos))
            {
                throw new DicomFormatException(source, $"malformed fragment in encapsulated pixel data ({FormatTag(tag)}, length {length})", FormatTag(PixelDataTag), itemStart);
            }
            pos += (int)length;
        }
    }

    /// <summary>Walks the items of a defined-length sequence occupying [pos, pos+length).</summary>
    private static void SkipDefinedSequence(byte[] d, int pos, int length, DicomEncoding enc, string source, int depth, uint sequenceTag)
    {
        CheckDepth(depth, source, sequenceTag, pos);
        int end = pos + length;
        while (pos < end)
        {
            SkipItem(d, ref pos, end, enc, source, depth, sequenceTag, allowDelimiter: false);
        }
    }

    /// <summary>Walks an undefined-length sequence up to and including its sequence delimiter.</summary>
    private static void SkipUndefinedSequence(byte[] d, ref int pos, int limit, DicomEncoding enc, string source, int depth, uint sequenceTag)
    {
        CheckDepth(depth, source, sequenceTag, pos);
        while (!SkipItem(d, ref pos, limit, enc, source, depth, sequenceTag, allowDelimiter: true))
        {
        }
    }

    /// <summary>Walks one item (or, when allowed, the sequence delimiter: returns true).</summary>
    private static bool SkipItem(byte[] d, ref int pos, int limit, DicomEncoding enc, string source, int depth, uint sequenceTag, bool allowDelimiter)
    {
        int itemStart = pos;
        if (limit - pos < 8)
        {
            throw new DicomFormatException(source, $"sequence is truncated ({limit - pos} bytes left where an item header was expected)", FormatTag(sequenceTag), pos);
        }
        bool big = enc == DicomEncoding.ExplicitBig;
        uint tag = ((uint)ReadU16(d, pos, big) << 16) | ReadU16(d, pos + 2, big);
        uint length = ReadU32(d, pos + 4, big);
        pos += 8;
        if (tag == SequenceDelimitationTag && allowDelimiter)
        {
            return true;
        }
        if (tag != ItemTag)
        {
            throw new DicomFormatException(source, $"expected a sequence item in {FormatTag(sequenceTag)} but found {FormatTag(tag)}", FormatTag(tag), itemStart);
        }
        if (length == UndefinedLength)
        {
            // Elements until the item delimiter.
            while (true)
            {
                if (limit - pos < 8)
                {
                    throw new DicomFormatException(source, "sequence item ends without an item delimiter", FormatTag(sequenceTag), pos);
                }
                uint next = ((uint)ReadU16(d, pos, big) << 16) | ReadU16(d, pos + 2, big);
                if (next == ItemDelimitationTag)
                {
                    pos += 8;
                    return false;
                }
                ReadElement(d, ref pos, limit, enc, source, depth + 1, sink: null);
            }
        }
        if ((length & 1) != 0)
        {
            throw new DicomFormatException(source, $"odd item length {length}", FormatTag(sequenceTag), itemStart);
        }
        if (length > (uint)(limit - pos))
        {
            throw new DicomFormatException(source, $"item length {length} exceeds the {limit - pos} bytes left in its sequence; {DicomFormatException.DamagedHint}", FormatTag(sequenceTag), itemStart);
        }
        int end = pos + (int)length;
        while (pos < end)
        {
            ReadElement(d, ref pos, end, enc, source, depth + 1, sink: null);
        }
        return false;
    }

    private static void CheckDepth(int depth, string source, uint sequenceTag, int pos)
    {
        if (depth > MaxDepth)
        {
            throw new DicomFormatException(source, $"sequences are nested deeper than {MaxDepth} levels", FormatTag(sequenceTag), pos);
        }
    }

    private static ushort ReadU16(byte[] d, int pos, bool big) =>
        big ? BinaryPrimitives.ReadUInt16BigEndian(d.AsSpan(pos, 2)) : BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(pos, 2));

    private static uint ReadU32(byte[] d, int pos, bool big) =>
        big ? BinaryPrimitives.ReadUInt32BigEndian(d.AsSpan(pos, 4)) : BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(pos, 4));
}
