using System.Buffers.Binary;

namespace ThighSeg.IO.Dicom.Codecs;

/// <summary>
/// Splits encapsulated pixel data (PS3.5 A.4) into frames: the Basic Offset Table when it is filled in, otherwise one
/// fragment per frame when the counts agree, otherwise (JPEG) a new frame at each fragment that starts with an SOI marker.
/// </summary>
internal static class EncapsulatedFrames
{
    private const uint ItemTag = 0xFFFEE000;
    private const uint SequenceDelimitationTag = 0xFFFEE0DD;

    /// <summary>The bytes of frame <paramref name="frame"/> (0-based) of <paramref name="frames"/>, its fragments concatenated.</summary>
    /// <exception cref="DicomFormatException">Malformed items, an offset table that does not match the fragments, or too few frames.</exception>
    public static ReadOnlyMemory<byte> Frame(DicomDataset ds, int frame, int frames, bool jpeg)
    {
        if (!ds.TryGet(DicomParser.PixelDataTag, out var pixel))
        {
            throw ds.Error("no pixel data");
        }
        // The parser records the end of the encapsulated value; the items start after the 12-byte explicit VR header.
        int pos = pixel.HeaderOffset + 12;
        int end = pixel.ValueOffset;
        var fragments = new List<(int ItemOffset, int Start, int Length)>();
        byte[] d = ds.Bytes;
        int first = -1;
        ReadOnlySpan<byte> offsetTable = default;
        while (pos <= end - 8)
        {
            uint tag = ((uint)BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(pos)) << 16) | BinaryPrimitives.ReadUInt16LittleEndian(d.AsSpan(pos + 2));
            uint length = BinaryPrimitives.ReadUInt32LittleEndian(d.AsSpan(pos + 4));
            if (tag == SequenceDelimitationTag)
            {
                break;
            }
            if (tag != ItemTag || length > (uint)(end - pos - 8))
            {
                throw ds.Error($"malformed fragment item in encapsulated pixel data (tag {DicomParser.FormatTag(tag)}, length {length})", DicomParser.PixelDataTag, pos);
            }
            if (first < 0)
            {
                first = pos + 8 + (int)length; // offsets in the table count from the first fragment's item tag
                offsetTable = d.AsSpan(pos + 8, (int)length);
            }
            else
            {
                fragments.Add((pos - first, pos + 8, (int)length));
            }
            pos += 8 + (int)length;
        }
        if (first < 0 || fragments.Count == 0)
        {
            throw ds.Error("encapsulated pixel data holds no fragments", DicomParser.PixelDataTag, pixel.HeaderOffset);
        }

        // Which fragments belong to the frame: [from, to).
        int from, to;
        if (frames == 1)
        {
            (from, to) = (0, fragments.Count);
        }
        else if (offsetTable.Length >= 4 * frames)
        {
            uint start = BinaryPrimitives.ReadUInt32LittleEndian(offsetTable[(4 * frame)..]);
            uint stop = frame + 1 < frames ? BinaryPrimitives.ReadUInt32LittleEndian(offsetTable[(4 * (frame + 1))..]) : uint.MaxValue;
            from = fragments.FindIndex(f => f.ItemOffset == start);
            if (from < 0 || stop <= start)
            {
                throw ds.Error($"the basic offset table entry {start} of frame {frame + 1} does not point at a fragment", DicomParser.PixelDataTag, pixel.HeaderOffset);
            }
            to = from + 1;
            while (to < fragments.Count && fragments[to].ItemOffset < stop)
            {
                to++;
            }
        }
        else if (offsetTable.Length != 0)
        {
            throw ds.Error($"the basic offset table holds {offsetTable.Length / 4} entries for {frames} frames", DicomParser.PixelDataTag, pixel.HeaderOffset);
        }
        else if (fragments.Count == frames)
        {
            (from, to) = (frame, frame + 1);
        }
        else if (jpeg && fragments.Count > frames)
        {
            // Frames start at fragments that begin with SOI (FF D8).
            var starts = new List<int>();
            for (int i = 0; i < fragments.Count; i++)
            {
                if (fragments[i].Length >= 2 && d[fragments[i].Start] == 0xFF && d[fragments[i].Start + 1] == 0xD8)
                {
                    starts.Add(i);
                }
            }
            if (starts.Count != frames || starts[0] != 0)
            {
                throw ds.Error($"{fragments.Count} fragments without an offset table hold {starts.Count} JPEG start-of-image markers, not {frames} frames",
                    DicomParser.PixelDataTag, pixel.HeaderOffset);
            }
            from = starts[frame];
            to = frame + 1 < frames ? starts[frame + 1] : fragments.Count;
        }
        else
        {
            throw ds.Error($"encapsulated pixel data holds {fragments.Count} fragments for {frames} frames and no offset table", DicomParser.PixelDataTag, pixel.HeaderOffset);
        }

        if (to - from == 1)
        {
            return new ReadOnlyMemory<byte>(d, fragments[from].Start, fragments[from].Length);
        }
        int total = 0;
        for (int i = from; i < to; i++)
        {
            total += fragments[i].Length;
        }
        var joined = new byte[total];
        int at = 0;
        for (int i = from; i < to; i++)
        {
            Array.Copy(d, fragments[i].Start, joined, at, fragments[i].Length);
            at += fragments[i].Length;
        }
        return joined;
    }
}
