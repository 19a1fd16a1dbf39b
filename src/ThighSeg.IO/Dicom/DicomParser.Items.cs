namespace ThighSeg.IO.Dicom;

/// <summary>Reading the items of a top-level (or item-level) sequence, for functional groups.</summary>
internal static partial class DicomParser
{
    /// <summary>
    /// The items of sequence <paramref name="tag"/> in <paramref name="ds"/>, each a dataset over the same bytes; empty
    /// when the element is absent or empty. Works for explicit VR SQ, implicit VR (where only the caller knows the element
    /// is a sequence) and undefined-length UN (implicit VR little endian inside). Every length is checked again.
    /// </summary>
    /// <exception cref="DicomFormatException">The value is not a well-formed sequence.</exception>
    public static IReadOnlyList<DicomDataset> ReadItems(DicomDataset ds, uint tag, int depth = 1)
    {
        ArgumentNullException.ThrowIfNull(ds);
        if (!ds.TryGet(tag, out var element) || element.Length == 0)
        {
            return [];
        }
        CheckDepth(depth, ds.Source, tag, element.HeaderOffset);
        DicomEncoding enc = element.Vr == "UN" ? DicomEncoding.ImplicitLittle : ds.Encoding;
        bool big = enc == DicomEncoding.ExplicitBig;
        byte[] d = ds.Bytes;
        int pos = element.ValueOffset;
        int end = element.ValueOffset + element.Length;
        var items = new List<DicomDataset>();
        while (pos < end)
        {
            int itemStart = pos;
            if (end - pos < 8)
            {
                throw new DicomFormatException(ds.Source, $"sequence is truncated ({end - pos} bytes left where an item header was expected)", FormatTag(tag), pos);
            }
            uint itemTag = ((uint)ReadU16(d, pos, big) << 16) | ReadU16(d, pos + 2, big);
            uint length = ReadU32(d, pos + 4, big);
            pos += 8;
            if (itemTag == SequenceDelimitationTag)
            {
                break;
            }
            if (itemTag != ItemTag)
            {
                throw new DicomFormatException(ds.Source, $"expected a sequence item in {FormatTag(tag)} but found {FormatTag(itemTag)}", FormatTag(tag), itemStart);
            }
            var elements = new Dictionary<uint, DicomElement>();
            if (length == UndefinedLength)
            {
                while (true)
                {
                    if (end - pos < 8)
                    {
                        throw new DicomFormatException(ds.Source, "sequence item ends without an item delimiter", FormatTag(tag), pos);
                    }
                    uint next = ((uint)ReadU16(d, pos, big) << 16) | ReadU16(d, pos + 2, big);
                    if (next == ItemDelimitationTag)
                    {
                        pos += 8;
                        break;
                    }
                    ReadElement(d, ref pos, end, enc, ds.Source, depth + 1, elements);
                }
            }
            else
            {
                if ((length & 1) != 0 || length > (uint)(end - pos))
                {
                    throw new DicomFormatException(ds.Source, $"item length {length} is odd or exceeds the {end - pos} bytes left in its sequence; {DicomFormatException.DamagedHint}", FormatTag(tag), itemStart);
                }
                int itemEnd = pos + (int)length;
                while (pos < itemEnd)
                {
                    ReadElement(d, ref pos, itemEnd, enc, ds.Source, depth + 1, elements);
                }
            }
            items.Add(new DicomDataset(ds.Source, d, enc, ds.TransferSyntax, elements));
        }
        return items;
    }
}
