using System.Buffers.Binary;
using System.Globalization;

namespace ThighSeg.IO.Dicom.Codecs;

/// <summary>
/// DICOM RLE Lossless (PS3.5 Annex G) for one frame of one sample per pixel: a 64-byte header with the segment count
/// and offsets, then one PackBits segment per byte of the pixel, most significant byte first.
/// </summary>
internal static class RleDecoder
{
    /// <summary>
    /// Decodes <paramref name="frame"/> into <paramref name="rows"/>·<paramref name="columns"/> pixels of
    /// <paramref name="bytesPerPixel"/> bytes each, little endian (the layout of uncompressed little endian data).
    /// </summary>
    /// <exception cref="DicomFormatException">A malformed header or segment, or a segment that decodes to too few bytes.</exception>
    public static byte[] Decode(ReadOnlySpan<byte> frame, int rows, int columns, int bytesPerPixel, string source)
    {
        if (frame.Length < 64)
        {
            throw Error(source, $"the frame holds {frame.Length} bytes, less than the 64-byte RLE header");
        }
        int segments = (int)BinaryPrimitives.ReadUInt32LittleEndian(frame);
        if (segments != bytesPerPixel)
        {
            throw Error(source, $"the RLE header names {segments} segments but {bytesPerPixel}-byte greyscale pixels need {bytesPerPixel}");
        }
        int pixels = rows * columns;
        var offsets = new int[segments + 1];
        for (int s = 0; s < segments; s++)
        {
            uint offset = BinaryPrimitives.ReadUInt32LittleEndian(frame[(4 + (4 * s))..]);
            if (offset < 64 || offset > (uint)frame.Length || (s > 0 && offset < offsets[s - 1]) || (s == 0 && offset != 64))
            {
                throw Error(source, string.Create(CultureInfo.InvariantCulture, $"RLE segment {s + 1} offset {offset} is outside the {frame.Length}-byte frame or out of order"));
            }
            offsets[s] = (int)offset;
        }
        offsets[segments] = frame.Length;
        // A PackBits pair expands to at most 128 bytes: refuse before allocating what the segments cannot hold.
        for (int s = 0; s < segments; s++)
        {
            long capacity = (offsets[s + 1] - offsets[s] + 1L) / 2 * 128;
            if (capacity < pixels)
            {
                throw Error(source, $"RLE segment {s + 1} holds {offsets[s + 1] - offsets[s]} bytes, too few for {pixels} pixels");
            }
        }
        var output = new byte[pixels * bytesPerPixel];
        for (int s = 0; s < segments; s++)
        {
            // Segment 0 holds the most significant byte; little endian puts it last.
            DecodeSegment(frame[offsets[s]..offsets[s + 1]], output, bytesPerPixel - 1 - s, bytesPerPixel, pixels, s + 1, source);
        }
        return output;
    }

    private static void DecodeSegment(ReadOnlySpan<byte> segment, byte[] output, int byteIndex, int stride, int pixels, int number, string source)
    {
        int written = 0, pos = 0;
        while (written < pixels && pos < segment.Length)
        {
            int n = (sbyte)segment[pos++];
            if (n >= 0)
            {
                int count = n + 1;
                if (segment.Length - pos < count)
                {
                    throw Error(source, $"RLE segment {number} ends inside a literal run");
                }
                count = Math.Min(count, pixels - written);
                for (int i = 0; i < count; i++)
                {
                    output[((written + i) * stride) + byteIndex] = segment[pos + i];
                }
                pos += n + 1;
                written += count;
            }
            else if (n != -128)
            {
                if (pos >= segment.Length)
                {
                    throw Error(source, $"RLE segment {number} ends inside a replicate run");
                }
                byte value = segment[pos++];
                int count = Math.Min(1 - n, pixels - written);
                for (int i = 0; i < count; i++)
                {
                    output[((written + i) * stride) + byteIndex] = value;
                }
                written += count;
            }
        }
        if (written < pixels)
        {
            throw Error(source, $"RLE segment {number} decodes to {written} bytes, {pixels} needed");
        }
    }

    private static DicomFormatException Error(string source, string problem) =>
        new(source, problem, DicomParser.FormatTag(DicomParser.PixelDataTag), null);
}
