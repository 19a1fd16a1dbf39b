using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using JpegLibrary;

namespace ThighSeg.IO.Dicom.Codecs;

/// <summary>
/// One greyscale JPEG frame of a DICOM image: reads the markers, decodes lossless (SOF3) streams with
/// <see cref="JpegLosslessDecoder"/> and DCT-based baseline/extended/progressive Huffman streams (SOF0, SOF1, SOF2; 8 and
/// 12 bit) with the JpegLibrary package. Hierarchical and arithmetic-coded JPEG and colour images are refused.
/// </summary>
internal static class JpegFrameDecoder
{
    /// <summary>
    /// Decodes <paramref name="data"/> to <paramref name="rows"/>·<paramref name="columns"/> stored values in the little
    /// endian layout of uncompressed data with <paramref name="bitsAllocated"/> (8 or 16) bits per pixel.
    /// </summary>
    /// <exception cref="DicomFormatException">Malformed or unsupported JPEG data, or a size that disagrees with Rows/Columns.</exception>
    public static byte[] Decode(ReadOnlyMemory<byte> data, int rows, int columns, int bitsAllocated, string source)
    {
        ReadOnlySpan<byte> d = data.Span;
        if (d.Length < 4 || d[0] != 0xFF || d[1] != 0xD8)
        {
            throw Error(source, "the frame does not start with a JPEG start-of-image marker (FF D8)");
        }
        var tables = new JpegLosslessDecoder.HuffmanTable?[4];
        int pos = 2;
        int sof = -1, precision = 0, lines = 0, samples = 0, restart = 0;
        while (true)
        {
            // Fill bytes (FF) may precede any marker.
            while (pos < d.Length && d[pos] == 0xFF && pos + 1 < d.Length && d[pos + 1] == 0xFF)
            {
                pos++;
            }
            if (pos + 4 > d.Length || d[pos] != 0xFF)
            {
                throw Error(source, string.Create(CultureInfo.InvariantCulture, $"a JPEG marker was expected at byte {pos}"));
            }
            int marker = d[pos + 1];
            int length = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 2)..]);
            if (marker is 0xD9 || length < 2 || pos + 2 + length > d.Length)
            {
                throw Error(source, string.Create(CultureInfo.InvariantCulture, $"JPEG marker FF{marker:X2} at byte {pos} is truncated or the image has no scan"));
            }
            ReadOnlySpan<byte> segment = d.Slice(pos + 4, length - 2);
            switch (marker)
            {
                case 0xC0 or 0xC1 or 0xC2:
                    return DecodeDct(data, rows, columns, bitsAllocated, source);
                case 0xC3:
                    if (segment.Length < 6)
                    {
                        throw Error(source, "the SOF3 frame header is truncated");
                    }
                    sof = marker;
                    precision = segment[0];
                    lines = BinaryPrimitives.ReadUInt16BigEndian(segment[1..]);
                    samples = BinaryPrimitives.ReadUInt16BigEndian(segment[3..]);
                    if (segment[5] != 1)
                    {
                        throw Error(source, $"the lossless JPEG frame has {segment[5]} components; only greyscale (1) is supported");
                    }
                    if (precision is < 2 or > 16)
                    {
                        throw Error(source, $"lossless JPEG sample precision {precision} is not in 2..16");
                    }
                    break;
                case >= 0xC5 and <= 0xCF and not 0xC8 and not 0xCC:
                    throw Error(source, $"JPEG process SOF{marker - 0xC0} (hierarchical or arithmetic coding) is not supported; decompress with `dcmdjpeg` or `gdcmconv --raw`");
                case 0xC4:
                    ReadHuffmanTables(segment, tables, source);
                    break;
                case 0xDD:
                    if (segment.Length < 2)
                    {
                        throw Error(source, "the DRI segment is truncated");
                    }
                    restart = BinaryPrimitives.ReadUInt16BigEndian(segment);
                    break;
                case 0xDA:
                    if (sof < 0)
                    {
                        throw Error(source, "the JPEG scan starts before a frame header");
                    }
                    if (segment.Length < 6 || segment[0] != 1)
                    {
                        throw Error(source, "the lossless JPEG scan header is malformed or has more than one component");
                    }
                    int table = segment[2] >> 4;
                    int predictor = segment[3];
                    int pointTransform = segment[5] & 0x0F;
                    if (table > 3 || tables[table] is null)
                    {
                        throw Error(source, $"the lossless JPEG scan uses Huffman table {table}, which is not defined");
                    }
                    if (predictor is < 1 or > 7 || pointTransform >= precision)
                    {
                        throw Error(source, $"lossless JPEG predictor {predictor} or point transform {pointTransform} is invalid");
                    }
                    if (lines == 0)
                    {
                        lines = rows; // the line count comes later in a DNL marker; DICOM gives it
                    }
                    CheckSize(rows, columns, lines, samples, source);
                    if (precision > bitsAllocated)
                    {
                        throw Error(source, $"lossless JPEG sample precision {precision} exceeds BitsAllocated {bitsAllocated}");
                    }
                    var scan = new JpegLosslessDecoder.ScanInfo(precision, lines, samples, predictor, pointTransform, restart, tables[table]!, pos + 2 + length);
                    ushort[] values = JpegLosslessDecoder.Decode(d, scan, source);
                    return ToStoredBytes(values, bitsAllocated);
                default:
                    break; // APPn, COM, DQT and other segments are skipped
            }
            pos += 2 + length;
        }
    }

    internal static DicomFormatException Error(string source, string problem) =>
        new(source, problem, DicomParser.FormatTag(DicomParser.PixelDataTag), null);

    private static void CheckSize(int rows, int columns, int lines, int samples, string source)
    {
        if (lines != rows || samples != columns)
        {
            throw Error(source, $"the JPEG frame is {samples}x{lines} (columns x lines) but the DICOM image is {columns}x{rows}");
        }
    }

    private static void ReadHuffmanTables(ReadOnlySpan<byte> segment, JpegLosslessDecoder.HuffmanTable?[] tables, string source)
    {
        int p = 0;
        while (p < segment.Length)
        {
            if (segment.Length - p < 17)
            {
                throw Error(source, "a Huffman table segment is truncated");
            }
            int cls = segment[p] >> 4, id = segment[p] & 0x0F;
            ReadOnlySpan<byte> counts = segment.Slice(p + 1, 16);
            int total = 0;
            foreach (byte c in counts)
            {
                total += c;
            }
            if (id > 3 || cls > 1 || total > 256 || segment.Length - p - 17 < total)
            {
                throw Error(source, $"Huffman table class {cls} id {id} with {total} codes is malformed");
            }
            if (cls == 0)
            {
                tables[id] = new JpegLosslessDecoder.HuffmanTable(counts, segment.Slice(p + 17, total), source);
            }
            p += 17 + total;
        }
    }

    private static byte[] ToStoredBytes(ushort[] values, int bitsAllocated)
    {
        if (bitsAllocated == 8)
        {
            var bytes = new byte[values.Length];
            for (int i = 0; i < values.Length; i++)
            {
                bytes[i] = (byte)values[i];
            }
            return bytes;
        }
        var words = new byte[values.Length * 2];
        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(words.AsSpan(2 * i), values[i]);
        }
        return words;
    }

    private static byte[] DecodeDct(ReadOnlyMemory<byte> data, int rows, int columns, int bitsAllocated, string source)
    {
        try
        {
            var decoder = new JpegDecoder();
            decoder.SetInput(data);
            decoder.Identify();
            if (decoder.NumberOfComponents != 1)
            {
                throw Error(source, $"the JPEG frame has {decoder.NumberOfComponents} components; only greyscale (1) is supported");
            }
            CheckSize(rows, columns, decoder.Height, decoder.Width, source);
            int precision = decoder.Precision;
            if (precision is not (8 or 12) || precision > bitsAllocated)
            {
                throw Error(source, $"JPEG sample precision {precision} is not 8 or 12, or exceeds BitsAllocated {bitsAllocated}");
            }
            // A block costs at least two bits (DC and end-of-block codes): 256 samples per byte at most.
            if ((long)rows * columns > (256L * data.Length) + 4096)
            {
                throw Error(source, $"{columns}x{rows} samples cannot fit in {data.Length} bytes of JPEG data");
            }
            var output = new byte[rows * columns * (bitsAllocated / 8)];
            decoder.SetOutputWriter(new GreyscaleWriter(output, columns, rows, bitsAllocated / 8, (1 << precision) - 1));
            decoder.Decode();
            return output;
        }
        catch (Exception ex) when (ex is InvalidDataException or InvalidOperationException or ArgumentException or IndexOutOfRangeException
            or NotSupportedException or FormatException or NullReferenceException or OverflowException)
        {
            throw new DicomFormatException(source, $"the JPEG data cannot be decoded ({ex.Message})", DicomParser.FormatTag(DicomParser.PixelDataTag), null, ex);
        }
    }

    /// <summary>Receives JpegLibrary's 8×8 blocks (level-shifted samples) and stores them clamped to the precision.</summary>
    private sealed class GreyscaleWriter(byte[] output, int width, int height, int bytesPerSample, int maximum) : JpegBlockOutputWriter
    {
        public override void WriteBlock(ref short blockRef, int componentIndex, int x, int y)
        {
            Span<short> block = MemoryMarshal.CreateSpan(ref blockRef, 64);
            int rowsHere = Math.Min(8, height - y), columnsHere = Math.Min(8, width - x);
            for (int j = 0; j < rowsHere; j++)
            {
                for (int i = 0; i < columnsHere; i++)
                {
                    int value = Math.Clamp((int)block[(j * 8) + i], 0, maximum);
                    int p = ((y + j) * width) + x + i;
                    if (bytesPerSample == 1)
                    {
                        output[p] = (byte)value;
                    }
                    else
                    {
                        BinaryPrimitives.WriteUInt16LittleEndian(output.AsSpan(2 * p), (ushort)value);
                    }
                }
            }
        }
    }
}
