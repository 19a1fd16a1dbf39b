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
        var layout = version == 1 ? Layout.Nifti1 : Layout.Nifti2;
        var r = new FieldReader(b[..size], big);
        ReadOnlySpan<byte> magic = b.Slice(layout.MagicAt, layout.SingleMagic.Length);
        bool single = magic.SequenceEqual(layout.SingleMagic);
        if (!single && !magic.SequenceEqual(layout.PairMagic))
        {
            throw new VolumeFormatException(version == 1
                ? $"{source}: NIfTI-1 magic at byte 344 is {Printable(magic)}, expected \"n+1\" or \"ni1\" " +
                  "(a header without it is Analyze 7.5, which ThighSeg does not read because it has no reliable orientation)."
                : $"{source}: NIfTI-2 magic at byte 4 is {Printable(magic)}, expected \"n+2\\0\\r\\n\\x1a\\n\" or \"ni2\\0\\r\\n\\x1a\\n\".");
        }
        var dim = new long[8];
        var pixdim = new double[8];
        for (int i = 0; i < 8; i++)
        {
            dim[i] = r.Int(layout.Dim.Item(i));
            pixdim[i] = r.Number(layout.PixDim.Item(i));
        }
        var srow = new double[12];
        for (int i = 0; i < 12; i++)
        {
            srow[i] = r.Number(layout.SRow.Item(i));
        }
        return new NiftiHeader
        {
            Version = version,
            BigEndian = big,
            SingleFile = single,
            Dim = dim,
            PixDim = pixdim,
            SRow = srow,
            DataTypeCode = (int)r.Int(layout.DataTypeCode),
            BitPix = (int)r.Int(layout.BitPix),
            IntentCode = (int)r.Int(layout.IntentCode),
            VoxOffset = r.Number(layout.VoxOffset),
            SclSlope = r.Number(layout.SclSlope),
            SclInter = r.Number(layout.SclInter),
            XyztUnits = (int)r.Int(layout.XyztUnits),
            CalMax = r.Number(layout.CalMax),
            CalMin = r.Number(layout.CalMin),
            Description = Text(b.Slice(layout.DescriptionAt, 80)),
            QformCode = (int)r.Int(layout.QformCode),
            SformCode = (int)r.Int(layout.SformCode),
            QuaternB = r.Number(layout.Quatern.Item(0)),
            QuaternC = r.Number(layout.Quatern.Item(1)),
            QuaternD = r.Number(layout.Quatern.Item(2)),
            QOffsetX = r.Number(layout.Quatern.Item(3)),
            QOffsetY = r.Number(layout.Quatern.Item(4)),
            QOffsetZ = r.Number(layout.Quatern.Item(5)),
            IntentName = Text(b.Slice(layout.IntentNameAt, 16)),
        };
    }

    /// <summary>Serialises the header in this header's version (single-file magic), little endian unless <paramref name="bigEndian"/>.</summary>
    /// <exception cref="OverflowException">A value does not fit its NIfTI-1 field (int16 codes and dimensions).</exception>
    public byte[] ToBytes(bool bigEndian = false)
    {
        var layout = Version == 1 ? Layout.Nifti1 : Layout.Nifti2;
        var b = new byte[HeaderSize];
        var s = b.AsSpan();
        var w = new FieldWriter(b, bigEndian);
        w.Int(new Field(0, 4), HeaderSize);
        layout.SingleMagic.CopyTo(s[layout.MagicAt..]);
        for (int i = 0; i < 8; i++)
        {
            w.Int(layout.Dim.Item(i), Dim[i]);
            w.Number(layout.PixDim.Item(i), PixDim[i]);
        }
        for (int i = 0; i < 12; i++)
        {
            w.Number(layout.SRow.Item(i), SRow[i]);
        }
        w.Int(layout.DataTypeCode, DataTypeCode);
        w.Int(layout.BitPix, BitPix);
        w.Int(layout.IntentCode, IntentCode);
        w.Number(layout.VoxOffset, VoxOffset);
        w.Number(layout.SclSlope, SclSlope);
        w.Number(layout.SclInter, SclInter);
        w.Int(layout.XyztUnits, XyztUnits);
        w.Number(layout.CalMax, CalMax);
        w.Number(layout.CalMin, CalMin);
        WriteText(s.Slice(layout.DescriptionAt, 80), Description);
        w.Int(layout.QformCode, QformCode);
        w.Int(layout.SformCode, SformCode);
        double[] quatern = [QuaternB, QuaternC, QuaternD, QOffsetX, QOffsetY, QOffsetZ];
        for (int i = 0; i < quatern.Length; i++)
        {
            w.Number(layout.Quatern.Item(i), quatern[i]);
        }
        WriteText(s.Slice(layout.IntentNameAt, 16), IntentName);
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

    /// <summary>A header field: its byte offset, its width in bytes (1, 2, 4 or 8) and whether it is a float; for an
    /// array, its first element.</summary>
    private readonly record struct Field(int At, int Width, bool Float = false)
    {
        /// <summary>Element <paramref name="i"/> of an array field.</summary>
        public Field Item(int i) => this with { At = At + (i * Width) };
    }

    /// <summary>Where each field lives in one header version: NIfTI-1 (int16 codes and dimensions, float32 values) and
    /// NIfTI-2 (int64 dimensions, float64 values, int32 codes).</summary>
    private sealed record Layout(
        int MagicAt, byte[] SingleMagic, byte[] PairMagic, Field DataTypeCode, Field BitPix, Field Dim, Field PixDim,
        Field IntentCode, Field VoxOffset, Field SclSlope, Field SclInter, Field XyztUnits, Field CalMax, Field CalMin,
        int DescriptionAt, Field QformCode, Field SformCode, Field Quatern, Field SRow, int IntentNameAt)
    {
        public static readonly Layout Nifti1 = new(
            MagicAt: 344, Magic1Single, Magic1Pair, DataTypeCode: new(70, 2), BitPix: new(72, 2), Dim: new(40, 2),
            PixDim: new(76, 4, true), IntentCode: new(68, 2), VoxOffset: new(108, 4, true), SclSlope: new(112, 4, true),
            SclInter: new(116, 4, true), XyztUnits: new(123, 1), CalMax: new(124, 4, true), CalMin: new(128, 4, true),
            DescriptionAt: 148, QformCode: new(252, 2), SformCode: new(254, 2), Quatern: new(256, 4, true),
            SRow: new(280, 4, true), IntentNameAt: 328);

        public static readonly Layout Nifti2 = new(
            MagicAt: 4, Magic2Single, Magic2Pair, DataTypeCode: new(12, 2), BitPix: new(14, 2), Dim: new(16, 8),
            PixDim: new(104, 8, true), IntentCode: new(504, 4), VoxOffset: new(168, 8), SclSlope: new(176, 8, true),
            SclInter: new(184, 8, true), XyztUnits: new(500, 4), CalMax: new(192, 8, true), CalMin: new(200, 8, true),
            DescriptionAt: 240, QformCode: new(344, 4), SformCode: new(348, 4), Quatern: new(352, 8, true),
            SRow: new(400, 8, true), IntentNameAt: 508);
    }

    /// <summary>Reads fields in a given byte order.</summary>
    private readonly ref struct FieldReader(ReadOnlySpan<byte> bytes, bool bigEndian)
    {
        private readonly ReadOnlySpan<byte> _b = bytes;

        /// <summary>An integer field, widened.</summary>
        public long Int(Field f)
        {
            var at = _b[f.At..];
            return f.Width switch
            {
                1 => at[0],
                2 => bigEndian ? BinaryPrimitives.ReadInt16BigEndian(at) : BinaryPrimitives.ReadInt16LittleEndian(at),
                4 => bigEndian ? BinaryPrimitives.ReadInt32BigEndian(at) : BinaryPrimitives.ReadInt32LittleEndian(at),
                _ => bigEndian ? BinaryPrimitives.ReadInt64BigEndian(at) : BinaryPrimitives.ReadInt64LittleEndian(at),
            };
        }

        /// <summary>A float field (or an integer one), widened to double.</summary>
        public double Number(Field f)
        {
            if (!f.Float)
            {
                return Int(f);
            }
            var at = _b[f.At..];
            return f.Width == 4
                ? bigEndian ? BinaryPrimitives.ReadSingleBigEndian(at) : BinaryPrimitives.ReadSingleLittleEndian(at)
                : bigEndian ? BinaryPrimitives.ReadDoubleBigEndian(at) : BinaryPrimitives.ReadDoubleLittleEndian(at);
        }
    }

    /// <summary>Writes fields in a given byte order.</summary>
    private readonly struct FieldWriter(byte[] bytes, bool bigEndian)
    {
        /// <summary>Writes an integer field; a value that does not fit its width throws.</summary>
        public void Int(Field f, long v)
        {
            var at = bytes.AsSpan(f.At);
            switch (f.Width)
            {
                case 1:
                    at[0] = (byte)v;
                    break;
                case 2:
                    if (bigEndian) { BinaryPrimitives.WriteInt16BigEndian(at, checked((short)v)); } else { BinaryPrimitives.WriteInt16LittleEndian(at, checked((short)v)); }
                    break;
                case 4:
                    if (bigEndian) { BinaryPrimitives.WriteInt32BigEndian(at, checked((int)v)); } else { BinaryPrimitives.WriteInt32LittleEndian(at, checked((int)v)); }
                    break;
                default:
                    if (bigEndian) { BinaryPrimitives.WriteInt64BigEndian(at, v); } else { BinaryPrimitives.WriteInt64LittleEndian(at, v); }
                    break;
            }
        }

        /// <summary>Writes a float field (float32 or float64), or an integer field from a whole number.</summary>
        public void Number(Field f, double v)
        {
            var at = bytes.AsSpan(f.At);
            if (!f.Float)
            {
                Int(f, checked((long)v));
            }
            else if (f.Width == 4)
            {
                if (bigEndian) { BinaryPrimitives.WriteSingleBigEndian(at, (float)v); } else { BinaryPrimitives.WriteSingleLittleEndian(at, (float)v); }
            }
            else
            {
                if (bigEndian) { BinaryPrimitives.WriteDoubleBigEndian(at, v); } else { BinaryPrimitives.WriteDoubleLittleEndian(at, v); }
            }
        }
    }
}
