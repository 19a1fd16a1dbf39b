using System.Buffers.Binary;
using System.Globalization;
using System.IO.Compression;
using System.Text;
using System.Text.RegularExpressions;

namespace ThighSeg.Fuzz;

/// <summary>
/// Seeded mutations: byte flips, truncation, splices of two seeds, header-field edits with extreme values (NIfTI-1/2
/// sizes, dims, spacings, offsets, data types, the extension; DICOM VRs, lengths and numeric values of geometry and
/// pixel elements; JSON numbers and strings, lone surrogates, nesting; CSV quoting, columns and sizes) and gzip
/// re-wrapping (re-compressing after an edit, compressing plain data, corrupt trailers, concatenated members).
/// </summary>
internal static partial class FuzzMutator
{
    private const int MaxWorkBytes = 64 << 20;

    private static readonly long[] ExtremeIntegers =
        [0, 1, -1, 2, 3, 7, 8, 255, 256, 1024, 2048, 4096, 16384, 32767, -32768, 65535, 65536, int.MaxValue, int.MinValue, 1L << 31, 1L << 40, long.MaxValue, long.MinValue];

    private static readonly double[] ExtremeReals =
        [0, -0.0, 1e-45, 4.9e-324, 1e-300, 1e-3, 0.05, 1e3, 1e20, 1e38, 1e200, double.MaxValue, double.NaN, double.PositiveInfinity, double.NegativeInfinity, -1];

    private static readonly string[] ExtremeTexts =
        ["1e200", "4.9e-324", "1e-300\\1e-300", "NaN", "-0", "Infinity", "99999999999999999999", "-2147483649", "0\\0", "", "1\\", "\\\\\\", "0.05", "2048"];

    private static readonly string[] Vrs = ["UN", "OB", "OW", "SQ", "UT", "DS", "US", "UL", "FD", "XX", "\0\0", "  ", "ob"];

    /// <summary>DICOM tags whose values drive geometry, pixel layout or parsing.</summary>
    private static readonly uint[] DicomTags =
    [
        0x00020010, 0x00020000, 0x00080016, 0x0020000E, 0x00200032, 0x00200037, 0x00200013, 0x00280002, 0x00280008, 0x00280010,
        0x00280011, 0x00280030, 0x00280100, 0x00280101, 0x00280102, 0x00280103, 0x00281052, 0x00281053, 0x00180050, 0x00180088,
        0x00280004, 0x52009229, 0x52009230, 0x7FE00010, 0xFFFEE000, 0xFFFEE00D, 0xFFFEE0DD,
    ];

    /// <summary>Makes one input from <paramref name="seed"/>: one to three mutations, described in <c>Mutations</c>.</summary>
    public static (byte[] Bytes, string Mutations) Mutate(FuzzTarget target, byte[] seed, byte[] other, Random rng)
    {
        byte[] data = seed;
        var done = new List<string>();
        int count = 1 + rng.Next(3);
        for (int i = 0; i < count; i++)
        {
            int pick = rng.Next(100);
            (data, string what) = pick switch
            {
                < 25 => Flip(data, rng),
                < 35 => Truncate(data, rng),
                < 45 => Splice(data, other, rng),
                < 90 => HeaderEdit(target, data, rng),
                _ => Rewrap(data, rng),
            };
            done.Add(what);
        }
        return (data, string.Join("; ", done));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (byte[], string) Flip(byte[] data, Random rng)
    {
        if (data.Length == 0)
        {
            return ([(byte)rng.Next(256)], "flip: empty -> 1 byte");
        }
        byte[] b = (byte[])data.Clone();
        int n = 1 + rng.Next(40);
        // Most parsers look at the first kilobytes: bias half the flips there.
        for (int i = 0; i < n; i++)
        {
            int at = rng.Next(2) == 0 ? rng.Next(Math.Min(b.Length, 1024)) : rng.Next(b.Length);
            b[at] = rng.Next(3) == 0 ? (byte)rng.Next(256) : (byte)(b[at] ^ (1 << rng.Next(8)));
        }
        return (b, string.Create(CultureInfo.InvariantCulture, $"flip {n} byte(s)"));
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (byte[], string) Truncate(byte[] data, Random rng)
    {
        int len = data.Length == 0 ? 0 : rng.Next(data.Length);
        return (data[..len], string.Create(CultureInfo.InvariantCulture, $"truncate {data.Length} -> {len}"));
    }

    private static (byte[], string) Splice(byte[] data, byte[] other, Random rng)
    {
        int cut = rng.Next(data.Length + 1);
        int from = rng.Next(other.Length + 1);
        byte[] b = [.. data.AsSpan(0, cut), .. other.AsSpan(from)];
        return (b.Length > MaxWorkBytes ? b[..MaxWorkBytes] : b, string.Create(CultureInfo.InvariantCulture, $"splice {cut} bytes + other[{from}..]"));
    }

    private static (byte[], string) HeaderEdit(FuzzTarget target, byte[] data, Random rng) => target switch
    {
        FuzzTarget.Nifti => NiftiEdit(data, rng),
        FuzzTarget.DicomFile or FuzzTarget.DicomSeries => DicomEdit(data, rng),
        FuzzTarget.DatasetManifest => CsvEdit(data, rng),
        _ => JsonEdit(data, rng),
    };

    // ---- gzip ------------------------------------------------------------------------------------------------

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static bool IsGzip(byte[] d) => d.Length > 2 && d[0] == 0x1f && d[1] == 0x8b;

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static byte[]? Gunzip(byte[] d)
    {
        try
        {
            using var gz = new GZipStream(new MemoryStream(d), CompressionMode.Decompress);
            using var ms = new MemoryStream();
            byte[] buf = new byte[1 << 16];
            int n;
            while ((n = gz.Read(buf)) > 0)
            {
                ms.Write(buf, 0, n);
                if (ms.Length > MaxWorkBytes)
                {
                    return null;
                }
            }
            return ms.ToArray();
        }
        catch (InvalidDataException)
        {
            return null;
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static byte[] Gzip(byte[] d)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(d);
        }
        return ms.ToArray();
    }

    private static (byte[], string) Rewrap(byte[] data, Random rng)
    {
        byte[]? plain = IsGzip(data) ? Gunzip(data) : data;
        if (plain is null)
        {
            return Flip(data, rng);
        }
        switch (rng.Next(5))
        {
            case 0:
                return (Gzip(plain), "gzip re-wrap");
            case 1:
                {
                    byte[] g = Gzip(plain);
                    if (g.Length < 18)
                    {
                        return (g, "gzip of nothing"); // .NET writes no gzip frame at all for empty data
                    }
                    BinaryPrimitives.WriteUInt32LittleEndian(g.AsSpan(g.Length - 4), (uint)rng.Next());
                    return (g, "gzip with a wrong ISIZE");
                }
            case 2:
                {
                    byte[] g = Gzip(plain);
                    if (g.Length < 18)
                    {
                        return (g, "gzip of nothing");
                    }
                    g[^6] ^= 0x5A;
                    return (g, "gzip with a wrong CRC");
                }
            case 3:
                {
                    int half = plain.Length / 2;
                    return ([.. Gzip(plain[..half]), .. Gzip(plain[half..])], "gzip as two members");
                }
            default:
                return (IsGzip(data) ? plain : data, IsGzip(data) ? "gunzip" : "unchanged (not gzip)");
        }
    }

    /// <summary>Applies <paramref name="edit"/> to the plain content of <paramref name="data"/>, re-compressing a gzip input.</summary>
    private static (byte[], string) OnPlain(byte[] data, Random rng, Func<byte[], (byte[], string)> edit)
    {
        if (!IsGzip(data))
        {
            return edit(data);
        }
        byte[]? plain = Gunzip(data);
        if (plain is null)
        {
            return Flip(data, rng);
        }
        var (edited, what) = edit(plain);
        return (Gzip(edited), what + " (re-gzipped)");
    }

    // ---- NIfTI -----------------------------------------------------------------------------------------------

    private enum FieldType
    {
        I16,
        I32,
        I64,
        F32,
        F64,
        Bytes,
    }

    private static readonly (string Name, int Offset, FieldType Type, int Count)[] Nifti1Fields =
    [
        ("sizeof_hdr", 0, FieldType.I32, 1), ("dim", 40, FieldType.I16, 8), ("intent_p", 56, FieldType.F32, 3), ("datatype", 70, FieldType.I16, 1),
        ("bitpix", 72, FieldType.I16, 1), ("pixdim", 76, FieldType.F32, 8), ("vox_offset", 108, FieldType.F32, 1), ("scl_slope", 112, FieldType.F32, 1),
        ("scl_inter", 116, FieldType.F32, 1), ("xyzt_units", 123, FieldType.Bytes, 1), ("qform_code", 252, FieldType.I16, 1), ("sform_code", 254, FieldType.I16, 1),
        ("quatern", 256, FieldType.F32, 6), ("srow", 280, FieldType.F32, 12), ("magic", 344, FieldType.Bytes, 4), ("extension", 348, FieldType.Bytes, 4),
        ("esize", 352, FieldType.I32, 1), ("ecode", 356, FieldType.I32, 1),
    ];

    private static readonly (string Name, int Offset, FieldType Type, int Count)[] Nifti2Fields =
    [
        ("sizeof_hdr", 0, FieldType.I32, 1), ("magic", 4, FieldType.Bytes, 8), ("datatype", 12, FieldType.I16, 1), ("bitpix", 14, FieldType.I16, 1),
        ("dim", 16, FieldType.I64, 8), ("pixdim", 104, FieldType.F64, 8), ("vox_offset", 168, FieldType.I64, 1), ("scl_slope", 176, FieldType.F64, 1),
        ("scl_inter", 184, FieldType.F64, 1), ("qform_code", 344, FieldType.I32, 1), ("sform_code", 348, FieldType.I32, 1), ("quatern", 352, FieldType.F64, 6),
        ("srow", 400, FieldType.F64, 12), ("extension", 540, FieldType.Bytes, 4), ("esize", 544, FieldType.I32, 1), ("ecode", 548, FieldType.I32, 1),
    ];

    private static (byte[], string) NiftiEdit(byte[] data, Random rng) => OnPlain(data, rng, plain =>
    {
        if (plain.Length < 4)
        {
            return Flip(plain, rng);
        }
        int sizeLe = BinaryPrimitives.ReadInt32LittleEndian(plain);
        int sizeBe = BinaryPrimitives.ReadInt32BigEndian(plain);
        bool big = sizeBe is 348 or 540;
        bool two = (big ? sizeBe : sizeLe) == 540;
        var fields = two ? Nifti2Fields : Nifti1Fields;
        var (name, offset, type, count) = fields[rng.Next(fields.Length)];
        int k = rng.Next(count);
        byte[] b = (byte[])plain.Clone();
        int width = type switch { FieldType.I16 => 2, FieldType.I32 or FieldType.F32 => 4, FieldType.I64 or FieldType.F64 => 8, _ => 1 };
        int at = offset + (k * width);
        if (type == FieldType.Bytes)
        {
            int n = Math.Min(count, Math.Max(0, b.Length - offset));
            for (int i = 0; i < n; i++)
            {
                b[offset + i] = (byte)rng.Next(256);
            }
            return (b, $"nifti {name} bytes randomised");
        }
        if (at + width > b.Length)
        {
            return Truncate(plain, rng);
        }
        string value;
        var span = b.AsSpan(at, width);
        if (type is FieldType.F32 or FieldType.F64)
        {
            double v = ExtremeReals[rng.Next(ExtremeReals.Length)];
            value = v.ToString("R", CultureInfo.InvariantCulture);
            if (type == FieldType.F32)
            {
                if (big) { BinaryPrimitives.WriteSingleBigEndian(span, (float)v); } else { BinaryPrimitives.WriteSingleLittleEndian(span, (float)v); }
            }
            else if (big) { BinaryPrimitives.WriteDoubleBigEndian(span, v); } else { BinaryPrimitives.WriteDoubleLittleEndian(span, v); }
        }
        else
        {
            long v = ExtremeIntegers[rng.Next(ExtremeIntegers.Length)];
            value = v.ToString(CultureInfo.InvariantCulture);
            switch (type)
            {
                case FieldType.I16:
                    if (big) { BinaryPrimitives.WriteInt16BigEndian(span, unchecked((short)v)); } else { BinaryPrimitives.WriteInt16LittleEndian(span, unchecked((short)v)); }
                    break;
                case FieldType.I32:
                    if (big) { BinaryPrimitives.WriteInt32BigEndian(span, unchecked((int)v)); } else { BinaryPrimitives.WriteInt32LittleEndian(span, unchecked((int)v)); }
                    break;
                default:
                    if (big) { BinaryPrimitives.WriteInt64BigEndian(span, v); } else { BinaryPrimitives.WriteInt64LittleEndian(span, v); }
                    break;
            }
        }
        return (b, $"nifti{(two ? "2" : "1")} {name}[{k}] = {value}");
    });

    // ---- DICOM -----------------------------------------------------------------------------------------------

    private static (byte[], string) DicomEdit(byte[] data, Random rng)
    {
        byte[] b = (byte[])data.Clone();
        // Find occurrences of a chosen tag in either byte order.
        uint tag = DicomTags[rng.Next(DicomTags.Length)];
        bool bigOrder = rng.Next(4) == 0;
        Span<byte> pattern = stackalloc byte[4];
        ushort g = (ushort)(tag >> 16), e = (ushort)tag;
        if (bigOrder)
        {
            BinaryPrimitives.WriteUInt16BigEndian(pattern, g);
            BinaryPrimitives.WriteUInt16BigEndian(pattern[2..], e);
        }
        else
        {
            BinaryPrimitives.WriteUInt16LittleEndian(pattern, g);
            BinaryPrimitives.WriteUInt16LittleEndian(pattern[2..], e);
        }
        var hits = new List<int>();
        for (int i = b.AsSpan().IndexOf(pattern); i >= 0 && hits.Count < 64;)
        {
            hits.Add(i);
            int next = b.AsSpan(i + 1).IndexOf(pattern);
            i = next < 0 ? -1 : i + 1 + next;
        }
        if (hits.Count == 0)
        {
            // No such element: an extreme 32-bit value at a random place in the first kilobytes.
            if (b.Length < 4)
            {
                return Flip(data, rng);
            }
            int at = rng.Next(Math.Min(b.Length - 3, 4096));
            long v = ExtremeIntegers[rng.Next(ExtremeIntegers.Length)];
            BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(at), unchecked((int)v));
            return (b, string.Create(CultureInfo.InvariantCulture, $"dicom int32 at {at} = {v}"));
        }
        int pos = hits[rng.Next(hits.Count)];
        string t = tag.ToString("X8", CultureInfo.InvariantCulture);
        bool explicitVr = pos + 6 <= b.Length && char.IsAsciiLetterUpper((char)b[pos + 4]) && char.IsAsciiLetterUpper((char)b[pos + 5]);
        switch (rng.Next(3))
        {
            case 0 when explicitVr:
                {
                    string vr = Vrs[rng.Next(Vrs.Length)];
                    b[pos + 4] = (byte)vr[0];
                    b[pos + 5] = (byte)vr[1];
                    return (b, $"dicom ({t}) VR -> '{vr.Replace("\0", "\\0", StringComparison.Ordinal)}'");
                }
            case 1:
                {
                    long v = ExtremeIntegers[rng.Next(ExtremeIntegers.Length)];
                    bool shortLength = explicitVr && !IsLongVr(b[pos + 4], b[pos + 5]);
                    int at = shortLength ? pos + 6 : explicitVr ? pos + 8 : pos + 4;
                    int width = shortLength ? 2 : 4;
                    if (at + width > b.Length)
                    {
                        return Truncate(data, rng);
                    }
                    if (width == 2)
                    {
                        if (bigOrder) { BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(at), unchecked((ushort)v)); } else { BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan(at), unchecked((ushort)v)); }
                    }
                    else if (bigOrder) { BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(at), unchecked((uint)v)); } else { BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(at), unchecked((uint)v)); }
                    return (b, string.Create(CultureInfo.InvariantCulture, $"dicom ({t}) length = {v}"));
                }
            default:
                {
                    // Overwrite the value (in place, keeping the length) with an extreme number as text or binary.
                    bool shortLength = explicitVr && !IsLongVr(b[pos + 4], b[pos + 5]);
                    int headerLen = shortLength ? 8 : explicitVr ? 12 : 8;
                    int lenAt = shortLength ? pos + 6 : explicitVr ? pos + 8 : pos + 4;
                    if (pos + headerLen > b.Length)
                    {
                        return Truncate(data, rng);
                    }
                    long declared = shortLength
                        ? (bigOrder ? BinaryPrimitives.ReadUInt16BigEndian(b.AsSpan(lenAt)) : BinaryPrimitives.ReadUInt16LittleEndian(b.AsSpan(lenAt)))
                        : (bigOrder ? BinaryPrimitives.ReadUInt32BigEndian(b.AsSpan(lenAt)) : BinaryPrimitives.ReadUInt32LittleEndian(b.AsSpan(lenAt)));
                    int valueAt = pos + headerLen;
                    int room = (int)Math.Min(declared, Math.Max(0, b.Length - valueAt));
                    if (room <= 0)
                    {
                        return Flip(data, rng);
                    }
                    if (rng.Next(2) == 0)
                    {
                        string text = ExtremeTexts[rng.Next(ExtremeTexts.Length)];
                        byte[] ascii = Encoding.ASCII.GetBytes(text.PadRight(room)[..room]);
                        ascii.CopyTo(b, valueAt);
                        return (b, $"dicom ({t}) value = \"{text}\"");
                    }
                    long v = ExtremeIntegers[rng.Next(ExtremeIntegers.Length)];
                    for (int i = 0; i < Math.Min(room, 8); i++)
                    {
                        b[valueAt + i] = (byte)(v >> (8 * i));
                    }
                    return (b, string.Create(CultureInfo.InvariantCulture, $"dicom ({t}) value bytes = {v}"));
                }
        }
    }

    private static bool IsLongVr(byte a, byte b)
    {
        string vr = new([(char)a, (char)b]);
        return vr is "OB" or "OD" or "OF" or "OL" or "OV" or "OW" or "SQ" or "SV" or "UC" or "UN" or "UR" or "UT" or "UV";
    }

    // ---- JSON (labels.json, model manifest.json) ---------------------------------------------------------------

    [GeneratedRegex("-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?")]
    private static partial Regex NumberToken();

    [GeneratedRegex("\"(?:[^\"\\\\]|\\\\.)*\"")]
    private static partial Regex StringToken();

    private static readonly string[] JsonNumbers =
        ["1e400", "-1", "0", "2147483648", "-2147483649", "1024", "7", "2048", "0.05", "1e-300", "4.9e-324", "1.5", "99999999999999999999999", "-0", "NaN", "null", "true", "\"3\""];

    private static readonly string[] JsonStrings =
        ["\"\\ud800\"", "\"\\udc00x\"", "\"\\ud800\\ud800\"", "\"\"", "\"\\u0000\"", "\"../../etc/passwd\"", "\"/dev/zero\"", "\"batch\"", "\"instance\"",
         "\"encoder\"", "\"segmentation\"", "\"x\"", "123", "null", "{}", "[]", "\"\\uD834\\uDD1E\""];

    private static (byte[], string) JsonEdit(byte[] data, Random rng)
    {
        string text = Encoding.UTF8.GetString(data);
        switch (rng.Next(6))
        {
            case 0:
            case 1:
                {
                    var numbers = NumberToken().Matches(text);
                    if (numbers.Count == 0)
                    {
                        goto default;
                    }
                    var m = numbers[rng.Next(numbers.Count)];
                    string v = JsonNumbers[rng.Next(JsonNumbers.Length)];
                    return (Encoding.UTF8.GetBytes(text[..m.Index] + v + text[(m.Index + m.Length)..]), $"json number '{m.Value}' -> {v}");
                }
            case 2:
            case 3:
                {
                    var strings = StringToken().Matches(text);
                    if (strings.Count == 0)
                    {
                        goto default;
                    }
                    var m = strings[rng.Next(strings.Count)];
                    string v = JsonStrings[rng.Next(JsonStrings.Length)];
                    return (Encoding.UTF8.GetBytes(text[..m.Index] + v + text[(m.Index + m.Length)..]), $"json string {m.Value} -> {v}");
                }
            case 4:
                {
                    int depth = rng.Next(2) == 0 ? 70 : 2000;
                    int at = rng.Next(text.Length + 1);
                    string nest = new string('[', depth) + new string(']', depth);
                    return (Encoding.UTF8.GetBytes(text[..at] + nest + text[at..]), $"json nesting {depth} at {at}");
                }
            default:
                {
                    int at = rng.Next(text.Length + 1);
                    string big = "\"" + new string('x', rng.Next(2) == 0 ? 100_000 : 2_000_000) + "\"";
                    return (Encoding.UTF8.GetBytes(text[..at] + big + text[at..]), string.Create(CultureInfo.InvariantCulture, $"json long string ({big.Length} chars) at {at}"));
                }
        }
    }

    // ---- CSV (manifest.csv) -----------------------------------------------------------------------------------

    private static readonly string[] CsvPieces =
        ["\"", "\"\"", ",", "\n", "\r\n", "\r", "\0", "\uFEFF", ",,,,,,", "\"a\nb\"", "unlabeled", "train", "test", "validation", "TRAIN", "",
         "/dev/zero", "../../x.nii", "sub-001", "subject,image,label,split", "\ud800", "\u00e9", new string('y', 5000)];

    private static (byte[], string) CsvEdit(byte[] data, Random rng)
    {
        string text = Encoding.UTF8.GetString(data);
        var lines = text.Split('\n').ToList();
        switch (rng.Next(4))
        {
            case 0:
                {
                    int at = rng.Next(text.Length + 1);
                    string piece = CsvPieces[rng.Next(CsvPieces.Length)];
                    return (Encoding.UTF8.GetBytes(text[..at] + piece + text[at..]), $"csv insert {Printable(piece)} at {at}");
                }
            case 1 when lines.Count > 0:
                {
                    int i = rng.Next(lines.Count);
                    int copies = rng.Next(2) == 0 ? 2 : 5000;
                    lines.InsertRange(i, Enumerable.Repeat(lines[i], copies));
                    return (Encoding.UTF8.GetBytes(string.Join('\n', lines)), $"csv line {i} x{copies}");
                }
            case 2 when lines.Count > 0:
                {
                    int i = rng.Next(lines.Count);
                    lines.RemoveAt(i);
                    return (Encoding.UTF8.GetBytes(string.Join('\n', lines)), $"csv line {i} removed");
                }
            default:
                {
                    int i = rng.Next(Math.Max(1, lines.Count));
                    string field = CsvPieces[rng.Next(CsvPieces.Length)];
                    if (lines.Count == 0)
                    {
                        lines.Add(field);
                    }
                    else
                    {
                        var cells = lines[i].Split(',');
                        cells[rng.Next(cells.Length)] = field;
                        lines[i] = string.Join(',', cells);
                    }
                    return (Encoding.UTF8.GetBytes(string.Join('\n', lines)), $"csv line {i} field -> {Printable(field)}");
                }
        }
    }

    private static string Printable(string s) =>
        s.Length > 20 ? $"{s.Length} chars" : "'" + string.Concat(s.Select(c => c < ' ' || c > '~' ? $"\\u{(int)c:x4}" : c.ToString())) + "'";
}
