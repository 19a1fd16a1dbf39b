using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace ThighSeg.IO.Nifti;

/// <summary>
/// The fields of a NIfTI-1 (348-byte) or NIfTI-2 (540-byte) header that ThighSeg uses, in either byte order, with
/// NIfTI-1's float32 and int16 fields widened to double and long. Parsing checks only the size and magic; the reader
/// validates the rest and reports what is wrong.
/// </summary>
internal sealed record NiftiHeader
{
    public const int Nifti1Size = 348;
    public const int Nifti2Size = 540;

    private static readonly byte[] Magic1Single = "n+1\0"u8.ToArray();
    private static readonly byte[] Magic1Pair = "ni1\0"u8.ToArray();
    private static readonly byte[] Magic2Single = "n+2\0\r\n\u001a\n"u8.ToArray();
    private static readonly byte[] Magic2Pair = "ni2\0\r\n\u001a\n"u8.ToArray();

    public int Version { get; init; } = 1;

    public bool BigEndian { get; init; }

    /// <summary>True for the single-file magic (n+1 / n+2), false for the pair magic (ni1 / ni2).</summary>
    public bool SingleFile { get; init; } = true;

    public long[] Dim { get; init; } = new long[8];

    public int DataTypeCode { get; init; }

    public int BitPix { get; init; }

    public double[] PixDim { get; init; } = new double[8];

    public double VoxOffset { get; init; }

    public double SclSlope { get; init; }

    public double SclInter { get; init; }

    public double CalMax { get; init; }

    public double CalMin { get; init; }

    public int IntentCode { get; init; }

    public string IntentName { get; init; } = "";

    public string Description { get; init; } = "";

    public int XyztUnits { get; init; }

    public int QformCode { get; init; }

    public int SformCode { get; init; }

    public double QuaternB { get; init; }

    public double QuaternC { get; init; }

    public double QuaternD { get; init; }

    public double QOffsetX { get; init; }

    public double QOffsetY { get; init; }

    public double QOffsetZ { get; init; }

    /// <summary>srow_x, srow_y, srow_z: 12 values, row-major.</summary>
    public double[] SRow { get; init; } = new double[12];

    public int HeaderSize => Version == 1 ? Nifti1Size : Nifti2Size;

    /// <summary>
    /// Determines the version and byte order from the first four bytes (sizeof_hdr), or null when they are neither
    /// 348 nor 540 in either byte order.
    /// </summary>
    public static (int Version, bool BigEndian)? Sniff(ReadOnlySpan<byte> first4)
    {
        if (first4.Length < 4)
        {
            return null;
        }
        int le = BinaryPrimitives.ReadInt32LittleEndian(first4);
        int be = BinaryPrimitives.ReadInt32BigEndian(first4);
        return le switch
        {
            Nifti1Size => (1, false),
            Nifti2Size => (2, false),
            _ => be switch
            {
                Nifti1Size => (1, true),
                Nifti2Size => (2, true),
                _ => null,
            },
        };
    }

    /// <summary>Parses a complete header (348 or 540 bytes).</summary>
    /// <exception cref="VolumeFormatException">Wrong sizeof_hdr, too few bytes, or a wrong magic string.</exception>
    public static NiftiHeader Parse(ReadOnlySpan<byte> b, string source)
    {
        var sniff = Sniff(b) ?? throw new VolumeFormatException(
            $"{source}: not a NIfTI file: sizeof_hdr at byte 0 is {(b.Length >= 4 ? BinaryPrimitives.ReadInt32LittleEndian(b) : -1)} " +
            $"(little endian), expected 348 (NIfTI-1) or 540 (NIfTI-2) in either byte order.");
        var (version, big) = sniff;
        int size = version == 1 ? Nifti1Size : Nifti2Size;
        if (b.Length < size)
        {
            throw new VolumeFormatException($"{source}: truncated NIfTI-{version} header: {b.Length} of {size} bytes.");
        }
        var r = new FieldReader(b[..size], big);
        return version == 1 ? Parse1(r, b, source) : Parse2(r, b, source);
    }

    private static NiftiHeader Parse1(FieldReader r, ReadOnlySpan<byte> b, string source)
    {
        ReadOnlySpan<byte> magic = b.Slice(344, 4);
        bool single;
        if (magic.SequenceEqual(Magic1Single))
        {
            single = true;
        }
        else if (magic.SequenceEqual(Magic1Pair))
        {
            single = false;
        }
        else
        {
            throw new VolumeFormatException($"{source}: NIfTI-1 magic at byte 344 is {Printable(magic)}, expected \"n+1\" or \"ni1\" " +
                "(a header without it is Analyze 7.5, which ThighSeg does not read because it has no reliable orientation).");
        }
        var dim = new long[8];
        var pixdim = new double[8];
        for (int i = 0; i < 8; i++)
        {
            dim[i] = r.I16(40 + (2 * i));
            pixdim[i] = r.F32(76 + (4 * i));
        }
        var srow = new double[12];
        for (int i = 0; i < 12; i++)
        {
            srow[i] = r.F32(280 + (4 * i));
        }
        return new NiftiHeader
        {
            Version = 1,
            BigEndian = r.BigEndian,
            SingleFile = single,
            Dim = dim,
            IntentCode = r.I16(68),
            DataTypeCode = r.I16(70),
            BitPix = r.I16(72),
            PixDim = pixdim,
            VoxOffset = r.F32(108),
            SclSlope = r.F32(112),
            SclInter = r.F32(116),
            XyztUnits = b[123],
            CalMax = r.F32(124),
            CalMin = r.F32(128),
            Description = Text(b.Slice(148, 80)),
            QformCode = r.I16(252),
            SformCode = r.I16(254),
            QuaternB = r.F32(256),
            QuaternC = r.F32(260),
            QuaternD = r.F32(264),
            QOffsetX = r.F32(268),
            QOffsetY = r.F32(272),
            QOffsetZ = r.F32(276),
            SRow = srow,
            IntentName = Text(b.Slice(328, 16)),
        };
    }

    private static NiftiHeader Parse2(FieldReader r, ReadOnlySpan<byte> b, string source)
    {
        ReadOnlySpan<byte> magic = b.Slice(4, 8);
        bool single;
        if (magic.SequenceEqual(Magic2Single))
        {
            single = true;
        }
        else if (magic.SequenceEqual(Magic2Pair))
        {
            single = false;
        }
        else
        {
            throw new VolumeFormatException($"{source}: NIfTI-2 magic at byte 4 is {Printable(magic)}, expected \"n+2\\0\\r\\n\\x1a\\n\" or \"ni2\\0\\r\\n\\x1a\\n\".");
        }
        var dim = new long[8];
        var pixdim = new double[8];
        for (int i = 0; i < 8; i++)
        {
            dim[i] = r.I64(16 + (8 * i));
            pixdim[i] = r.F64(104 + (8 * i));
        }
        var srow = new double[12];
        for (int i = 0; i < 12; i++)
        {
            srow[i] = r.F64(400 + (8 * i));
        }
        long voxOffset = r.I64(168);
        return new NiftiHeader
        {
            Version = 2,
            BigEndian = r.BigEndian,
            SingleFile = single,
            DataTypeCode = r.I16(12),
            BitPix = r.I16(14),
            Dim = dim,
            PixDim = pixdim,
            VoxOffset = voxOffset,
            SclSlope = r.F64(176),
            SclInter = r.F64(184),
            CalMax = r.F64(192),
            CalMin = r.F64(200),
            Description = Text(b.Slice(240, 80)),
            QformCode = r.I32(344),
            SformCode = r.I32(348),
            QuaternB = r.F64(352),
            QuaternC = r.F64(360),
            QuaternD = r.F64(368),
            QOffsetX = r.F64(376),
            QOffsetY = r.F64(384),
            QOffsetZ = r.F64(392),
            SRow = srow,
            XyztUnits = r.I32(500),
            IntentCode = r.I32(504),
            IntentName = Text(b.Slice(508, 16)),
        };
    }

    /// <summary>Serialises the header in this header's version (single-file magic), little endian unless <paramref name="bigEndian"/>.</summary>
    public byte[] ToBytes(bool bigEndian = false)
    {
        var b = new byte[HeaderSize];
        var s = b.AsSpan();
        var w = new FieldWriter(b, bigEndian);
        if (Version == 1)
        {
            w.I32(0, Nifti1Size);
            b[39] = 0; // dim_info
            for (int i = 0; i < 8; i++)
            {
                w.I16(40 + (2 * i), checked((short)Dim[i]));
                w.F32(76 + (4 * i), (float)PixDim[i]);
            }
            w.I16(68, checked((short)IntentCode));
            w.I16(70, checked((short)DataTypeCode));
            w.I16(72, checked((short)BitPix));
            w.F32(108, (float)VoxOffset);
            w.F32(112, (float)SclSlope);
            w.F32(116, (float)SclInter);
            b[123] = (byte)XyztUnits;
            w.F32(124, (float)CalMax);
            w.F32(128, (float)CalMin);
            WriteText(s.Slice(148, 80), Description);
            w.I16(252, checked((short)QformCode));
            w.I16(254, checked((short)SformCode));
            w.F32(256, (float)QuaternB);
            w.F32(260, (float)QuaternC);
            w.F32(264, (float)QuaternD);
            w.F32(268, (float)QOffsetX);
            w.F32(272, (float)QOffsetY);
            w.F32(276, (float)QOffsetZ);
            for (int i = 0; i < 12; i++)
            {
                w.F32(280 + (4 * i), (float)SRow[i]);
            }
            WriteText(s.Slice(328, 16), IntentName);
            Magic1Single.CopyTo(s[344..]);
        }
        else
        {
            w.I32(0, Nifti2Size);
            Magic2Single.CopyTo(s[4..]);
            w.I16(12, checked((short)DataTypeCode));
            w.I16(14, checked((short)BitPix));
            for (int i = 0; i < 8; i++)
            {
                w.I64(16 + (8 * i), Dim[i]);
                w.F64(104 + (8 * i), PixDim[i]);
            }
            w.I64(168, checked((long)VoxOffset));
            w.F64(176, SclSlope);
            w.F64(184, SclInter);
            w.F64(192, CalMax);
            w.F64(200, CalMin);
            WriteText(s.Slice(240, 80), Description);
            w.I32(344, QformCode);
            w.I32(348, SformCode);
            w.F64(352, QuaternB);
            w.F64(360, QuaternC);
            w.F64(368, QuaternD);
            w.F64(376, QOffsetX);
            w.F64(384, QOffsetY);
            w.F64(392, QOffsetZ);
            for (int i = 0; i < 12; i++)
            {
                w.F64(400 + (8 * i), SRow[i]);
            }
            w.I32(500, XyztUnits);
            w.I32(504, IntentCode);
            WriteText(s.Slice(508, 16), IntentName);
        }
        return b;
    }

    /// <summary>The sform rows as an affine (may be non-finite; the caller validates).</summary>
    public double[] SformRowMajor() => [.. SRow, 0, 0, 0, 1];

    private static string Text(ReadOnlySpan<byte> field)
    {
        int end = field.IndexOf((byte)0);
        var s = end < 0 ? field : field[..end];
        var chars = new char[s.Length];
        for (int i = 0; i < s.Length; i++)
        {
            chars[i] = s[i] is >= 32 and < 127 ? (char)s[i] : '?';
        }
        return new string(chars);
    }

    private static void WriteText(Span<byte> field, string text)
    {
        int n = Encoding.ASCII.GetBytes(text.Length > field.Length - 1 ? text[..(field.Length - 1)] : text, field);
        field[n..].Clear();
    }

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder("\"");
        foreach (byte x in bytes)
        {
            sb.Append(x is >= 32 and < 127 ? ((char)x).ToString() : string.Create(CultureInfo.InvariantCulture, $"\\x{x:x2}"));
        }
        return sb.Append('"').ToString();
    }

    /// <summary>Reads fields in a given byte order.</summary>
    private readonly ref struct FieldReader(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> _b = bytes;

        public bool BigEndian { get; } = bigEndian;

        public short I16(int at) => BigEndian ? BinaryPrimitives.ReadInt16BigEndian(_b[at..]) : BinaryPrimitives.ReadInt16LittleEndian(_b[at..]);

        public int I32(int at) => BigEndian ? BinaryPrimitives.ReadInt32BigEndian(_b[at..]) : BinaryPrimitives.ReadInt32LittleEndian(_b[at..]);

        public long I64(int at) => BigEndian ? BinaryPrimitives.ReadInt64BigEndian(_b[at..]) : BinaryPrimitives.ReadInt64LittleEndian(_b[at..]);

        public double F32(int at) => BigEndian ? BinaryPrimitives.ReadSingleBigEndian(_b[at..]) : BinaryPrimitives.ReadSingleLittleEndian(_b[at..]);

        public double F64(int at) => BigEndian ? BinaryPrimitives.ReadDoubleBigEndian(_b[at..]) : BinaryPrimitives.ReadDoubleLittleEndian(_b[at..]);
    }

    /// <summary>Writes fields in a given byte order.</summary>
    private readonly struct FieldWriter(byte[] bytes, bool bigEndian)
    {
        public void I16(int at, short v)
        {
            if (bigEndian) { BinaryPrimitives.WriteInt16BigEndian(bytes.AsSpan(at), v); } else { BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(at), v); }
        }

        public void I32(int at, int v)
        {
            if (bigEndian) { BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(at), v); } else { BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(at), v); }
        }

        public void I64(int at, long v)
        {
            if (bigEndian) { BinaryPrimitives.WriteInt64BigEndian(bytes.AsSpan(at), v); } else { BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(at), v); }
        }

        public void F32(int at, float v)
        {
            if (bigEndian) { BinaryPrimitives.WriteSingleBigEndian(bytes.AsSpan(at), v); } else { BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), v); }
        }

        public void F64(int at, double v)
        {
            if (bigEndian) { BinaryPrimitives.WriteDoubleBigEndian(bytes.AsSpan(at), v); } else { BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(at), v); }
        }
    }
}
