using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// A DICOM dataset with its sequences parsed into nested items (for objects such as DICOM-SEG whose content lives in
/// sequences). Explicit and implicit VR little endian, defined and undefined lengths; every length is checked against
/// the bytes that remain. Values are slices of the file bytes.
/// </summary>
internal sealed class DicomTree
{
    private const uint ItemTag = 0xFFFEE000;
    private const uint ItemDelimitationTag = 0xFFFEE00D;
    private const uint SequenceDelimitationTag = 0xFFFEE0DD;
    private const uint Undefined = 0xFFFFFFFF;

    private static readonly HashSet<string> LongLengthVrs = new(StringComparer.Ordinal)
    {
        "OB", "OD", "OF", "OL", "OV", "OW", "SQ", "SV", "UC", "UN", "UR", "UT", "UV",
    };

    /// <summary>Sequences of the SEG IOD, for implicit VR data (which names no VRs).</summary>
    private static readonly HashSet<uint> KnownSequences =
    [
        0x00081115, 0x0008114A, 0x00082112, 0x00089124, 0x00089215, 0x0040A170, 0x00209221, 0x00209222, 0x00209111,
        0x00209113, 0x00209116, 0x00289110, 0x00620002, 0x00620003, 0x00620007, 0x0062000A, 0x0062000F, 0x00620011,
        0x0066002F, 0x52009229, 0x52009230, 0x00082218, 0x00082220, 0x00220016,
    ];

    private readonly Dictionary<uint, Node> _elements = [];
    private readonly byte[] _bytes;
    private readonly string _source;

    private readonly record struct Node(string Vr, int Offset, int Length, List<DicomTree>? Items);

    private DicomTree(byte[] bytes, string source)
    {
        _bytes = bytes;
        _source = source;
    }

    /// <summary>Parses a Part 10 file held in memory (explicit or implicit VR little endian only).</summary>
    /// <exception cref="DicomFormatException">Malformed, truncated or another transfer syntax.</exception>
    public static DicomTree Parse(byte[] data, string source)
    {
        ArgumentNullException.ThrowIfNull(data);
        int pos = data.Length >= 132 && data.AsSpan(128, 4).SequenceEqual("DICM"u8) ? 132 : 0;
        var meta = new DicomTree(data, source);
        while (pos + 8 <= data.Length && BinaryPrimitives.ReadUInt16LittleEndian(data.AsSpan(pos)) == 0x0002)
        {
            meta.ReadElement(ref pos, data.Length, explicitVr: true, depth: 0);
        }
        string ts = meta.GetString(0x00020010) ?? DicomUids.ExplicitVrLittleEndian;
        bool explicitVr = ts switch
        {
            DicomUids.ExplicitVrLittleEndian => true,
            DicomUids.ImplicitVrLittleEndian => false,
            _ => throw new DicomFormatException(source, $"transfer syntax {DicomUids.DescribeTransferSyntax(ts)} is not supported for this object (explicit or implicit VR little endian needed; convert with `dcmconv +te`)", "(0002,0010)", null),
        };
        var tree = new DicomTree(data, source);
        while (pos < data.Length)
        {
            tree.ReadElement(ref pos, data.Length, explicitVr, depth: 0);
        }
        return tree;
    }

    public string Source => _source;

    public bool Contains(uint tag) => _elements.ContainsKey(tag);

    public DicomFormatException Error(string problem, uint? tag = null) =>
        new(_source, problem, tag is uint t ? DicomParser.FormatTag(t) : null, tag is uint t2 && _elements.TryGetValue(t2, out var n) ? n.Offset : null);

    /// <summary>Text value, trailing spaces and NULs removed; null when absent.</summary>
    public string? GetString(uint tag) =>
        _elements.TryGetValue(tag, out var n) && n.Items is null ? Encoding.Latin1.GetString(_bytes, n.Offset, n.Length).TrimEnd(' ', '\0').TrimStart(' ') : null;

    /// <summary>The items of a sequence (empty when absent).</summary>
    public IReadOnlyList<DicomTree> Items(uint tag) => _elements.TryGetValue(tag, out var n) && n.Items is not null ? n.Items : [];

    /// <summary>The first item of a sequence, or an error naming it.</summary>
    public DicomTree Item(uint tag, string name) =>
        Items(tag) is { Count: > 0 } items ? items[0] : throw Error($"{name} is missing or empty", tag);

    public int? GetUInt16(uint tag) =>
        _elements.TryGetValue(tag, out var n) && n.Items is null && n.Length >= 2 ? BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(n.Offset, 2)) : null;

    public uint[] GetUInt32s(uint tag)
    {
        if (!_elements.TryGetValue(tag, out var n) || n.Items is not null)
        {
            return [];
        }
        var values = new uint[n.Length / 4];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(n.Offset + (i * 4), 4));
        }
        return values;
    }

    public double[]? GetNumbers(uint tag, string name)
    {
        string? text = GetString(tag);
        return string.IsNullOrEmpty(text) ? null : DicomDataset.ParseNumbers(text) ?? throw Error(DicomDataset.NotNumbers(name, text), tag);
    }

    public ReadOnlySpan<byte> GetBytes(uint tag) =>
        _elements.TryGetValue(tag, out var n) && n.Items is null ? _bytes.AsSpan(n.Offset, n.Length) : [];

    private void ReadElement(ref int pos, int limit, bool explicitVr, int depth)
    {
        int start = pos;
        if (limit - pos < 8)
        {
            throw new DicomFormatException(_source, $"truncated element header ({limit - pos} bytes left)", null, start);
        }
        uint tag = ((uint)BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(pos)) << 16) | BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(pos + 2));
        pos += 4;
        string vr;
        uint length;
        if (explicitVr && (tag >> 16) != 0xFFFE)
        {
            vr = Encoding.ASCII.GetString(_bytes, pos, 2);
            if (LongLengthVrs.Contains(vr))
            {
                if (limit - pos < 8)
                {
                    throw new DicomFormatException(_source, "truncated element header", DicomParser.FormatTag(tag), start);
                }
                length = BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(pos + 4));
                pos += 8;
            }
            else
            {
                length = BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(pos + 2));
                pos += 4;
            }
        }
        else
        {
            length = BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(pos));
            pos += 4;
            vr = KnownSequences.Contains(tag) || length == Undefined ? "SQ" : "UN";
        }
        if ((tag >> 16) == 0xFFFE)
        {
            throw new DicomFormatException(_source, "a sequence item or delimiter appears outside a sequence", DicomParser.FormatTag(tag), start);
        }
        if (vr == "SQ" || (vr == "UN" && length == Undefined))
        {
            if (depth > DicomParser.MaxDepth)
            {
                throw new DicomFormatException(_source, $"sequences are nested deeper than {DicomParser.MaxDepth} levels", DicomParser.FormatTag(tag), start);
            }
            var items = new List<DicomTree>();
            int end = length == Undefined ? limit : CheckedEnd(pos, length, limit, tag, start);
            bool itemsExplicit = explicitVr && vr == "SQ";
            while (pos < end)
            {
                if (end - pos < 8)
                {
                    throw new DicomFormatException(_source, "sequence is truncated", DicomParser.FormatTag(tag), pos);
                }
                uint itemTag = ((uint)BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(pos)) << 16) | BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(pos + 2));
                uint itemLength = BinaryPrimitives.ReadUInt32LittleEndian(_bytes.AsSpan(pos + 4));
                pos += 8;
                if (itemTag == SequenceDelimitationTag && length == Undefined)
                {
                    break;
                }
                if (itemTag != ItemTag)
                {
                    throw new DicomFormatException(_source, $"expected a sequence item but found {DicomParser.FormatTag(itemTag)}", DicomParser.FormatTag(tag), pos - 8);
                }
                var item = new DicomTree(_bytes, _source);
                if (itemLength == Undefined)
                {
                    while (true)
                    {
                        if (end - pos < 8)
                        {
                            throw new DicomFormatException(_source, "sequence item ends without an item delimiter", DicomParser.FormatTag(tag), pos);
                        }
                        uint next = ((uint)BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(pos)) << 16) | BinaryPrimitives.ReadUInt16LittleEndian(_bytes.AsSpan(pos + 2));
                        if (next == ItemDelimitationTag)
                        {
                            pos += 8;
                            break;
                        }
                        item.ReadElement(ref pos, end, itemsExplicit, depth + 1);
                    }
                }
                else
                {
                    int itemEnd = CheckedEnd(pos, itemLength, end, tag, pos - 8);
                    while (pos < itemEnd)
                    {
                        item.ReadElement(ref pos, itemEnd, itemsExplicit, depth + 1);
                    }
                }
                items.Add(item);
            }
            Add(tag, new Node("SQ", start, 0, items), start);
            return;
        }
        if (length == Undefined)
        {
            throw new DicomFormatException(_source, $"undefined length is not supported for VR {vr} here (encapsulated pixel data?)", DicomParser.FormatTag(tag), start);
        }
        int valueEnd = CheckedEnd(pos, length, limit, tag, start);
        Add(tag, new Node(vr, pos, (int)length, null), start);
        pos = valueEnd;
    }

    private int CheckedEnd(int pos, uint length, int limit, uint tag, int start)
    {
        if (length > (uint)(limit - pos))
        {
            throw new DicomFormatException(_source, $"value length {length} exceeds the {limit - pos} bytes left (truncated file?); {DicomFormatException.DamagedHint}", DicomParser.FormatTag(tag), start);
        }
        return pos + (int)length;
    }

    private void Add(uint tag, Node node, int start)
    {
        if (!_elements.TryAdd(tag, node))
        {
            throw new DicomFormatException(_source, "the element appears twice", DicomParser.FormatTag(tag), start);
        }
    }
}
