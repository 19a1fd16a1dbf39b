using System.Globalization;

namespace ThighSeg.IO.Dicom.Codecs;

/// <summary>
/// JPEG lossless, non-hierarchical, Huffman coded (ITU-T T.81 process 14, SOF3) for one component: all seven
/// predictors, sample precision 2–16, point transform and restart intervals. The usual PACS archive syntaxes
/// 1.2.840.10008.1.2.4.70 (predictor 1) and 1.2.840.10008.1.2.4.57 (any predictor).
/// </summary>
internal static class JpegLosslessDecoder
{
    /// <summary>One frame header and scan, parsed from the markers before the entropy-coded data.</summary>
    internal sealed record ScanInfo(int Precision, int Lines, int Samples, int Predictor, int PointTransform, int RestartInterval, HuffmanTable Table, int DataStart);

    /// <summary>
    /// Decodes a lossless JPEG codestream whose frame header (SOF3) has already been found by <see cref="JpegFrameDecoder"/>;
    /// returns the samples (shifted back by the point transform) in row order.
    /// </summary>
    /// <exception cref="DicomFormatException">Malformed markers, tables or entropy-coded data.</exception>
    public static ushort[] Decode(ReadOnlySpan<byte> data, ScanInfo scan, string source)
    {
        int width = scan.Samples, height = scan.Lines;
        // Every sample costs at least one bit of Huffman code: refuse before allocating what the data cannot hold.
        if ((long)width * height > (8L * (data.Length - scan.DataStart)) + 64)
        {
            throw JpegFrameDecoder.Error(source, string.Create(CultureInfo.InvariantCulture,
                $"{width}x{height} lossless JPEG samples cannot fit in {data.Length - scan.DataStart} bytes of entropy-coded data"));
        }
        var samples = new ushort[width * height];
        var reader = new BitReader(data, scan.DataStart, source);
        int reset = 1 << (scan.Precision - scan.PointTransform - 1);
        int restart = scan.RestartInterval;
        int untilRestart = restart;
        int nextMarker = 0;
        int resetRow = 0, resetColumn = 0;
        HuffmanTable table = scan.Table;
        for (int r = 0; r < height; r++)
        {
            int rowStart = r * width;
            for (int c = 0; c < width; c++)
            {
                if (restart > 0)
                {
                    if (untilRestart == 0)
                    {
                        reader.Restart(nextMarker);
                        nextMarker = (nextMarker + 1) & 7;
                        untilRestart = restart;
                        resetRow = r;
                        resetColumn = c;
                    }
                    untilRestart--;
                }
                int predicted;
                if (r == resetRow && c == resetColumn)
                {
                    predicted = reset;
                }
                else if (r == resetRow)
                {
                    predicted = samples[rowStart + c - 1];
                }
                else if (c == 0)
                {
                    predicted = samples[rowStart - width];
                }
                else
                {
                    int ra = samples[rowStart + c - 1], rb = samples[rowStart - width + c], rc = samples[rowStart - width + c - 1];
                    predicted = scan.Predictor switch
                    {
                        1 => ra,
                        2 => rb,
                        3 => rc,
                        4 => ra + rb - rc,
                        5 => ra + ((rb - rc) >> 1),
                        6 => rb + ((ra - rc) >> 1),
                        _ => (ra + rb) >> 1,
                    };
                }
                int category = reader.DecodeHuffman(table);
                int difference;
                if (category == 0)
                {
                    difference = 0;
                }
                else if (category == 16)
                {
                    difference = 32768;
                }
                else if (category > 16)
                {
                    throw JpegFrameDecoder.Error(source, $"lossless JPEG difference category {category} is above 16");
                }
                else
                {
                    int v = reader.Receive(category);
                    difference = v < (1 << (category - 1)) ? v - (1 << category) + 1 : v;
                }
                samples[rowStart + c] = (ushort)((predicted + difference) & 0xFFFF);
            }
        }
        reader.CheckNotOverrun();
        if (scan.PointTransform > 0)
        {
            for (int i = 0; i < samples.Length; i++)
            {
                samples[i] = (ushort)(samples[i] << scan.PointTransform);
            }
        }
        return samples;
    }

    /// <summary>A Huffman table (T.81 Annex C) with a 9-bit lookahead.</summary>
    internal sealed class HuffmanTable
    {
        private const int LookBits = 9;
        private readonly int[] _maxCode = new int[18];
        private readonly int[] _valueOffset = new int[17];
        private readonly byte[] _values;
        private readonly short[] _lookup = new short[1 << LookBits]; // (length << 8) | value, 0 when longer

        /// <summary>Builds the table from the 16 code-length counts and the values (DHT segment contents).</summary>
        public HuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> values, string source)
        {
            _values = values.ToArray();
            int code = 0, k = 0;
            for (int length = 1; length <= 16; length++)
            {
                int n = counts[length - 1];
                _valueOffset[length] = k - code;
                if (n == 0)
                {
                    _maxCode[length] = -1;
                }
                else
                {
                    if (code + n > (1 << length))
                    {
                        throw JpegFrameDecoder.Error(source, "a Huffman table has more codes than its code lengths allow");
                    }
                    for (int i = 0; i < n; i++)
                    {
                        if (length <= LookBits)
                        {
                            int first = (code + i) << (LookBits - length);
                            int count = 1 << (LookBits - length);
                            for (int j = 0; j < count; j++)
                            {
                                _lookup[first + j] = (short)((length << 8) | values[k + i]);
                            }
                        }
                    }
                    code += n;
                    k += n;
                    _maxCode[length] = code - 1;
                }
                code <<= 1;
            }
            _maxCode[17] = int.MaxValue;
        }

        /// <summary>Decodes one value from the 16 bits <paramref name="peek"/>; returns (value, code length), or length 0 for an invalid code.</summary>
        public (int Value, int Length) Decode(int peek)
        {
            int hit = _lookup[peek >> (16 - LookBits)];
            if (hit != 0)
            {
                return (hit & 0xFF, hit >> 8);
            }
            for (int length = LookBits + 1; length <= 16; length++)
            {
                int code = peek >> (16 - length);
                if (code <= _maxCode[length])
                {
                    return (_values[_valueOffset[length] + code], length);
                }
            }
            return (0, 0);
        }
    }

    /// <summary>Reads the entropy-coded segment: removes stuffed zero bytes, stops at markers, handles restarts.</summary>
    private ref struct BitReader
    {
        private readonly ReadOnlySpan<byte> _data;
        private readonly string _source;
        private int _pos;
        private ulong _buffer;
        private int _bits;
        private int _fillBits; // zero bits added past a marker or the end, still in the buffer or consumed
        private bool _atMarker;

        public BitReader(ReadOnlySpan<byte> data, int start, string source)
        {
            _data = data;
            _source = source;
            _pos = start;
        }

        private void Fill()
        {
            while (_bits <= 56)
            {
                byte b = 0;
                if (_atMarker || _pos >= _data.Length)
                {
                    _fillBits += 8;
                }
                else
                {
                    b = _data[_pos];
                    if (b == 0xFF)
                    {
                        if (_pos + 1 < _data.Length && _data[_pos + 1] == 0)
                        {
                            _pos += 2;
                        }
                        else
                        {
                            _atMarker = true;
                            continue;
                        }
                    }
                    else
                    {
                        _pos++;
                    }
                }
                _buffer |= (ulong)b << (56 - _bits);
                _bits += 8;
            }
        }

        public int DecodeHuffman(HuffmanTable table)
        {
            if (_bits < 16)
            {
                Fill();
            }
            var (value, length) = table.Decode((int)(_buffer >> 48));
            if (length == 0)
            {
                throw JpegFrameDecoder.Error(_source, string.Create(CultureInfo.InvariantCulture, $"invalid Huffman code in the entropy-coded data near byte {_pos}"));
            }
            _buffer <<= length;
            _bits -= length;
            return value;
        }

        public int Receive(int count)
        {
            if (_bits < count)
            {
                Fill();
            }
            int v = (int)(_buffer >> (64 - count));
            _buffer <<= count;
            _bits -= count;
            return v;
        }

        /// <summary>Throws when the decoder consumed bits that were not in the data (truncated entropy-coded segment).</summary>
        public readonly void CheckNotOverrun()
        {
            if (_fillBits > _bits)
            {
                throw JpegFrameDecoder.Error(_source, "the entropy-coded data ends before the last sample (truncated?)");
            }
        }

        /// <summary>Discards the remaining bits of the interval and the expected RSTn marker.</summary>
        public void Restart(int number)
        {
            CheckNotOverrun();
            _buffer = 0;
            _bits = 0;
            _fillBits = 0;
            _atMarker = false;
            // Skip the padding and any fill bytes up to the next marker.
            while (_pos + 1 < _data.Length && !(_data[_pos] == 0xFF && _data[_pos + 1] != 0 && _data[_pos + 1] != 0xFF))
            {
                _pos++;
            }
            if (_pos + 1 >= _data.Length || _data[_pos] != 0xFF || _data[_pos + 1] != 0xD0 + number)
            {
                throw JpegFrameDecoder.Error(_source, string.Create(CultureInfo.InvariantCulture, $"restart marker RST{number} expected at byte {_pos}"));
            }
            _pos += 2;
        }
    }
}
