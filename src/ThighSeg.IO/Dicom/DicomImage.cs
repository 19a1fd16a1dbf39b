using System.Buffers.Binary;
using System.Globalization;
using System.Numerics;
using System.Runtime.InteropServices;
using ThighSeg.IO.Dicom.Codecs;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// The image-level attributes of one greyscale DICOM image frame (a single-frame image, or one frame of an enhanced
/// multi-frame object with its geometry from the functional groups), validated, plus where its pixels are.
/// Geometry vectors are in DICOM patient coordinates (LPS+, mm).
/// </summary>
internal sealed record DicomImage
{
    private const uint SharedFunctionalGroupsTag = 0x52009229;
    private const uint PerFrameFunctionalGroupsTag = 0x52009230;
    private const uint PixelMeasuresTag = 0x00289110;
    private const uint PlanePositionTag = 0x00209113;
    private const uint PlaneOrientationTag = 0x00209116;
    private const uint PixelValueTransformationTag = 0x00289145;
    private const uint SopClassUidTag = 0x00080016;
    private const uint SeriesDescriptionTag = 0x0008103E;
    private const uint SliceThicknessTag = 0x00180050;
    private const uint SpacingBetweenSlicesTag = 0x00180088;
    private const uint SeriesInstanceUidTag = 0x0020000E;
    private const uint SeriesNumberTag = 0x00200011;
    private const uint InstanceNumberTag = 0x00200013;
    private const uint ImagePositionPatientTag = 0x00200032;
    private const uint ImageOrientationPatientTag = 0x00200037;
    private const uint SamplesPerPixelTag = 0x00280002;
    private const uint PhotometricInterpretationTag = 0x00280004;
    private const uint NumberOfFramesTag = 0x00280008;
    private const uint RowsTag = 0x00280010;
    private const uint ColumnsTag = 0x00280011;
    private const uint PixelSpacingTag = 0x00280030;
    private const uint BitsAllocatedTag = 0x00280100;
    private const uint BitsStoredTag = 0x00280101;
    private const uint HighBitTag = 0x00280102;
    private const uint PixelRepresentationTag = 0x00280103;
    private const uint RescaleInterceptTag = 0x00281052;
    private const uint RescaleSlopeTag = 0x00281053;

    /// <summary>
    /// The largest ratio of decoded to compressed pixel bytes accepted for encapsulated pixel data. RLE expands at most
    /// 64:1 (a 2-byte replicate run makes 128 bytes), lossless JPEG at most 16:1 (a 1-bit code per 16-bit sample), baseline
    /// and extended JPEG at most 512:1 (two 1-bit codes per 8x8 block of 16-bit samples); 1024 leaves room for all.
    /// </summary>
    internal const long MaxCodecExpansion = 1024;

    private DicomImage() { }

    public required string Source { get; init; }
    public required string TransferSyntax { get; init; }
    public required string? SopClassUid { get; init; }
    public required string SeriesInstanceUid { get; init; }
    public string? SeriesDescription { get; init; }
    public string? SeriesNumber { get; init; }
    public int? InstanceNumber { get; init; }
    public required int Rows { get; init; }
    public required int Columns { get; init; }
    public required int BitsAllocated { get; init; }
    public required int BitsStored { get; init; }
    public required int HighBit { get; init; }
    public required bool Signed { get; init; }
    public required string Photometric { get; init; }
    public required double Slope { get; init; }
    public required double Intercept { get; init; }

    /// <summary>ImagePositionPatient (LPS mm), or null when absent.</summary>
    public double[]? Position { get; init; }

    /// <summary>ImageOrientationPatient: row direction (x, y, z) then column direction, normalised; or null when absent.</summary>
    public double[]? Orientation { get; init; }

    /// <summary>PixelSpacing: [0] between rows (along the column direction), [1] between columns; or null when absent.</summary>
    public double[]? PixelSpacing { get; init; }

    /// <summary>SliceThickness or, failing that, SpacingBetweenSlices; used only for a single-slice volume.</summary>
    public double? SliceThickness { get; init; }

    public required int PixelOffset { get; init; }
    public required int PixelLength { get; init; }
    public required string PixelVr { get; init; }

    /// <summary>Which frame of the object this is (0-based); 0 for single-frame images.</summary>
    public int FrameIndex { get; init; }

    /// <summary>NumberOfFrames of the object (1 for single-frame images).</summary>
    public int FrameCount { get; init; } = 1;

    /// <summary>True when the pixel data is encapsulated (compressed): decoded per frame by <see cref="CompressedPixelData"/>.</summary>
    public bool Encapsulated => DicomUids.NativeEncoding(TransferSyntax) is null;

    public string StoredTypeName => (BitsAllocated, Signed) switch
    {
        (8, false) => "uint8",
        (8, true) => "int8",
        (16, false) => "uint16",
        (16, true) => "int16",
        (32, false) => "uint32",
        _ => "int32",
    };

    public int FrameBytes => Rows * Columns * (BitsAllocated / 8);

    /// <summary>
    /// Validates the image attributes of a single-frame image <paramref name="ds"/>. Returns null for objects without pixel
    /// data (reports, presentation states, DICOMDIR) so a folder reader can skip them.
    /// </summary>
    /// <exception cref="DicomFormatException">An image ThighSeg cannot decode, a multi-frame object, or inconsistent attributes.</exception>
    public static DicomImage? FromDataset(DicomDataset ds)
    {
        IReadOnlyList<DicomImage>? frames = Frames(ds);
        if (frames is { Count: > 1 })
        {
            throw ds.Error($"the object holds {frames.Count} frames; read it with DicomSeriesReader, which stacks the frames of enhanced objects", NumberOfFramesTag);
        }
        return frames?[0];
    }

    /// <summary>
    /// Validates the image attributes of <paramref name="ds"/> and returns one entry per frame: a single-frame image, or
    /// every frame of an enhanced MR/CT/PET object with its position, orientation, pixel spacing and rescale from the
    /// per-frame (or shared) functional groups. Returns null for objects without pixel data.
    /// </summary>
    /// <exception cref="DicomFormatException">An image ThighSeg cannot decode or whose attributes are inconsistent.</exception>
    public static IReadOnlyList<DicomImage>? Frames(DicomDataset ds)
    {
        string? sopClass = ds.GetString(SopClassUidTag);
        if (sopClass == DicomUids.MediaStorageDirectory)
        {
            return null;
        }
        if (ds.Contains(DicomParser.FloatPixelDataTag) || ds.Contains(DicomParser.DoubleFloatPixelDataTag))
        {
            throw ds.Error($"float or double float pixel data is not supported (SOP class {DicomUids.DescribeSopClass(sopClass)})",
                ds.Contains(DicomParser.FloatPixelDataTag) ? DicomParser.FloatPixelDataTag : DicomParser.DoubleFloatPixelDataTag);
        }
        if (!ds.TryGet(DicomParser.PixelDataTag, out var pixel))
        {
            return null;
        }
        bool encapsulated = DicomUids.NativeEncoding(ds.TransferSyntax) is null;
        if (encapsulated && !CompressedPixelData.CanDecode(ds.TransferSyntax))
        {
            throw CompressedPixelData.Refusal(ds.Source, ds.TransferSyntax);
        }
        if (encapsulated && pixel.ValueOffset <= pixel.HeaderOffset + 12)
        {
            // The parser records encapsulated pixel data with its value offset after the sequence delimiter.
            throw ds.Error($"pixel data has a defined length, but transfer syntax {DicomUids.DescribeTransferSyntax(ds.TransferSyntax)} " +
                "needs encapsulated fragments (undefined length)", DicomParser.PixelDataTag, pixel.HeaderOffset);
        }
        bool functionalGroups = DicomUids.IsFunctionalGroupVolume(sopClass);
        if (DicomUids.IsEnhanced(sopClass) && !functionalGroups)
        {
            throw ds.Error($"SOP class {DicomUids.DescribeSopClass(sopClass)} is a multi-frame object whose frames are not an image volume ThighSeg reads " +
                "(it reads enhanced and legacy converted MR, CT and PET); export the series as single-frame images (for example with dcm2niix or `emf2sf`)",
                SopClassUidTag);
        }

        int frames = 1;
        double[]? frameValues = ds.GetNumbers(NumberOfFramesTag, "NumberOfFrames");
        if (frameValues is { Length: > 0 })
        {
            if (frameValues[0] != Math.Floor(frameValues[0]) || frameValues[0] < 1 || frameValues[0] > int.MaxValue)
            {
                throw ds.Error($"NumberOfFrames {frameValues[0].ToString(CultureInfo.InvariantCulture)} is not a positive integer", NumberOfFramesTag);
            }
            if (frameValues[0] > 1 && !functionalGroups)
            {
                throw ds.Error($"multi-frame object ({frameValues[0].ToString(CultureInfo.InvariantCulture)} frames) of SOP class {DicomUids.DescribeSopClass(sopClass)} " +
                    "is not supported; ThighSeg reads series of single-frame images and enhanced MR/CT/PET objects: give the MR or CT image series instead, or convert this object with `dcm2niix` and give the NIfTI file", NumberOfFramesTag);
            }
            frames = (int)frameValues[0];
        }
        int samples = ds.GetUInt16(SamplesPerPixelTag) ?? 1;
        if (samples != 1)
        {
            throw ds.Error($"SamplesPerPixel is {samples}: only greyscale images (1 sample per pixel) are supported, not colour (screenshots, secondary captures): give the greyscale MR or CT series the images were made from", SamplesPerPixelTag);
        }
        string photometric = (ds.GetString(PhotometricInterpretationTag) ?? string.Empty).Trim();
        if (photometric is not ("MONOCHROME1" or "MONOCHROME2"))
        {
            throw ds.Error($"PhotometricInterpretation '{DicomDataset.Printable(photometric)}' is not supported (MONOCHROME1 or MONOCHROME2 needed)", PhotometricInterpretationTag);
        }

        int rows = Required(ds, RowsTag, "Rows");
        int columns = Required(ds, ColumnsTag, "Columns");
        if (rows < 1 || columns < 1)
        {
            throw ds.Error($"image size {rows} rows x {columns} columns is empty", rows < 1 ? RowsTag : ColumnsTag);
        }
        int bitsAllocated = Required(ds, BitsAllocatedTag, "BitsAllocated");
        if (bitsAllocated is not (8 or 16 or 32))
        {
            throw ds.Error($"BitsAllocated {bitsAllocated} is not supported (8, 16 or 32)", BitsAllocatedTag);
        }
        int bitsStored = ds.GetUInt16(BitsStoredTag) ?? bitsAllocated;
        if (bitsStored < 1 || bitsStored > bitsAllocated)
        {
            throw ds.Error($"BitsStored {bitsStored} is not in 1..BitsAllocated ({bitsAllocated})", BitsStoredTag);
        }
        int highBit = ds.GetUInt16(HighBitTag) ?? (bitsStored - 1);
        if (highBit < bitsStored - 1 || highBit >= bitsAllocated)
        {
            throw ds.Error($"HighBit {highBit} is not in {bitsStored - 1}..{bitsAllocated - 1} (BitsStored {bitsStored}, BitsAllocated {bitsAllocated})", HighBitTag);
        }
        int representation = ds.GetUInt16(PixelRepresentationTag) ?? 0;
        if (representation is not (0 or 1))
        {
            throw ds.Error($"PixelRepresentation {representation} is neither 0 (unsigned) nor 1 (two's complement)", PixelRepresentationTag);
        }

        long frameBytes = (long)rows * columns * (bitsAllocated / 8);
        if (!encapsulated && pixel.Length < frameBytes * frames)
        {
            throw ds.Error($"pixel data holds {pixel.Length} bytes but {frames} frame(s) of {rows}x{columns} pixels of {bitsAllocated} bits need {frameBytes * frames} (truncated?)",
                DicomParser.PixelDataTag, pixel.HeaderOffset);
        }
        if (!encapsulated && pixel.Length >= frameBytes * (frames + 1))
        {
            throw ds.Error($"pixel data holds {pixel.Length} bytes, at least {frames + 1} frames of {frameBytes} bytes, but NumberOfFrames says {frames}",
                DicomParser.PixelDataTag, pixel.HeaderOffset);
        }
        if (encapsulated && frameBytes * frames > Array.MaxLength)
        {
            throw ds.Error($"{frames} frame(s) of {rows}x{columns} pixels are more than ThighSeg holds in memory", DicomParser.PixelDataTag, pixel.HeaderOffset);
        }
        long compressedBytes = pixel.ValueOffset - pixel.HeaderOffset; // the encapsulated fragments, item headers included
        if (encapsulated && frameBytes * frames > (MaxCodecExpansion * compressedBytes) + (1 << 16))
        {
            // A small file declaring huge frames: refused from the header, before any output is allocated.
            throw ds.Error(string.Create(CultureInfo.InvariantCulture,
                $"{frames} frame(s) of {rows}x{columns} pixels of {bitsAllocated} bits ({frameBytes * frames} bytes) cannot come from {compressedBytes} bytes of compressed pixel data (RLE and JPEG expand at most {MaxCodecExpansion}:1)"),
                DicomParser.PixelDataTag, pixel.HeaderOffset);
        }

        double slope = Scalar(ds, RescaleSlopeTag, "RescaleSlope") ?? 1.0;
        double intercept = Scalar(ds, RescaleInterceptTag, "RescaleIntercept") ?? 0.0;
        CheckSlope(ds, slope);
        double[]? position = Position3(ds);
        double[]? orientation = ds.GetNumbers(ImageOrientationPatientTag, "ImageOrientationPatient");
        if (orientation is not null)
        {
            orientation = ValidateOrientation(ds, orientation);
        }
        double[]? spacing = Spacing(ds);
        double? thickness = Thickness(ds);

        double? instance = Scalar(ds, InstanceNumberTag, "InstanceNumber");
        var image = new DicomImage
        {
            Source = ds.Source,
            TransferSyntax = ds.TransferSyntax,
            SopClassUid = sopClass,
            SeriesInstanceUid = ds.GetString(SeriesInstanceUidTag) ?? string.Empty,
            SeriesDescription = ds.GetString(SeriesDescriptionTag),
            SeriesNumber = ds.GetString(SeriesNumberTag),
            InstanceNumber = instance is double n && Math.Abs(n) < int.MaxValue ? (int)n : null,
            Rows = rows,
            Columns = columns,
            BitsAllocated = bitsAllocated,
            BitsStored = bitsStored,
            HighBit = highBit,
            Signed = representation == 1,
            Photometric = photometric,
            Slope = slope,
            Intercept = intercept,
            Position = position,
            Orientation = orientation,
            PixelSpacing = spacing,
            SliceThickness = thickness,
            PixelOffset = pixel.ValueOffset,
            PixelLength = pixel.Length,
            PixelVr = pixel.Vr,
            FrameCount = frames,
        };
        return functionalGroups ? FunctionalGroupFrames(ds, image) : [image];
    }

    /// <summary>
    /// The frames of an enhanced object: per-frame functional groups override the shared ones, which override the
    /// top-level attributes (PS3.3 C.7.6.16).
    /// </summary>
    private static List<DicomImage> FunctionalGroupFrames(DicomDataset ds, DicomImage image)
    {
        int frames = image.FrameCount;
        DicomDataset? shared = DicomParser.ReadItems(ds, SharedFunctionalGroupsTag).FirstOrDefault();
        IReadOnlyList<DicomDataset> perFrame = DicomParser.ReadItems(ds, PerFrameFunctionalGroupsTag);
        if (perFrame.Count != frames && !(perFrame.Count == 0 && frames == 1))
        {
            throw ds.Error($"the per-frame functional groups sequence has {perFrame.Count} items for {frames} frames", PerFrameFunctionalGroupsTag);
        }
        var sharedMacros = new Dictionary<uint, DicomDataset?>();
        DicomDataset? Macro(DicomDataset? frameGroups, uint tag)
        {
            DicomDataset? own = frameGroups is null ? null : DicomParser.ReadItems(frameGroups, tag, depth: 2).FirstOrDefault();
            if (own is not null)
            {
                return own;
            }
            if (!sharedMacros.TryGetValue(tag, out DicomDataset? common))
            {
                common = shared is null ? null : DicomParser.ReadItems(shared, tag, depth: 2).FirstOrDefault();
                sharedMacros[tag] = common;
            }
            return common;
        }

        var result = new List<DicomImage>(frames);
        for (int k = 0; k < frames; k++)
        {
            DicomDataset? groups = perFrame.Count > 0 ? perFrame[k] : null;
            DicomDataset? plane = Macro(groups, PlanePositionTag);
            DicomDataset? orient = Macro(groups, PlaneOrientationTag);
            DicomDataset? measures = Macro(groups, PixelMeasuresTag);
            DicomDataset? transform = Macro(groups, PixelValueTransformationTag);
            double[]? orientation = orient?.GetNumbers(ImageOrientationPatientTag, "ImageOrientationPatient") is double[] o ? ValidateOrientation(orient, o) : image.Orientation;
            double slope = transform is null ? image.Slope : Scalar(transform, RescaleSlopeTag, "RescaleSlope") ?? image.Slope;
            if (transform is not null)
            {
                CheckSlope(transform, slope);
            }
            result.Add(image with
            {
                FrameIndex = k,
                InstanceNumber = k + 1,
                Position = (plane is null ? null : Position3(plane)) ?? image.Position,
                Orientation = orientation,
                PixelSpacing = (measures is null ? null : Spacing(measures)) ?? image.PixelSpacing,
                SliceThickness = (measures is null ? null : Thickness(measures)) ?? image.SliceThickness,
                Slope = slope,
                Intercept = transform is null ? image.Intercept : Scalar(transform, RescaleInterceptTag, "RescaleIntercept") ?? image.Intercept,
            });
        }
        return result;
    }

    private static void CheckSlope(DicomDataset ds, double slope)
    {
        if (slope == 0)
        {
            throw ds.Error("RescaleSlope is 0, which would erase the image", RescaleSlopeTag);
        }
    }

    private static double[]? Position3(DicomDataset ds)
    {
        double[]? position = ds.GetNumbers(ImagePositionPatientTag, "ImagePositionPatient");
        if (position is not null && position.Length != 3)
        {
            throw ds.Error($"ImagePositionPatient has {position.Length} values, 3 needed", ImagePositionPatientTag);
        }
        return position;
    }

    private static double[]? Spacing(DicomDataset ds)
    {
        double[]? spacing = ds.GetNumbers(PixelSpacingTag, "PixelSpacing");
        if (spacing is not null && (spacing.Length != 2 || !(spacing[0] > 0) || !(spacing[1] > 0)))
        {
            throw ds.Error($"PixelSpacing '{DicomDataset.Printable(ds.GetString(PixelSpacingTag) ?? "")}' is not two positive numbers", PixelSpacingTag);
        }
        return spacing;
    }

    private static double? Thickness(DicomDataset ds) =>
        Scalar(ds, SliceThicknessTag, "SliceThickness") is double t && t > 0 ? t
            : Scalar(ds, SpacingBetweenSlicesTag, "SpacingBetweenSlices") is double s && s > 0 ? s : null;

    /// <summary>SeriesInstanceUID (empty when absent), SeriesNumber and SeriesDescription; never throws.</summary>
    public static (string Uid, string? Number, string? Description) SeriesIdentity(DicomDataset ds) =>
        (ds.GetString(SeriesInstanceUidTag) ?? string.Empty, ds.GetString(SeriesNumberTag), ds.GetString(SeriesDescriptionTag));

    /// <summary>
    /// Decodes the stored pixels into <paramref name="destination"/> (Rows·Columns floats, x fastest) with the row order
    /// reversed (destination row <c>Rows-1-r</c> holds stored row <c>r</c>, as dcm2niix writes), applying the stored-bit
    /// mask, sign extension and RescaleSlope/Intercept.
    /// </summary>
    public void DecodeInto(DicomDataset ds, Span<float> destination)
    {
        if (destination.Length != Rows * Columns)
        {
            throw new ArgumentException($"destination holds {destination.Length} floats, {Rows * Columns} needed", nameof(destination));
        }
        ReadOnlySpan<byte> src;
        bool big;
        if (Encapsulated)
        {
            src = CompressedPixelData.DecodeFrame(ds, FrameIndex, FrameCount, Rows, Columns, BitsAllocated);
            big = false; // decoders write the little endian layout of uncompressed data
        }
        else
        {
            src = ds.Bytes.AsSpan(checked(PixelOffset + (FrameIndex * FrameBytes)), FrameBytes);
            big = ds.BigEndian;
        }
        int shift = HighBit + 1 - BitsStored;
        if (BitsAllocated == 16 && BitsStored == 16 && !big && BitConverter.IsLittleEndian)
        {
            // The common case (full 16-bit words in native byte order): no masking, typed spans.
            if (Signed)
            {
                DecodeWords(MemoryMarshal.Cast<byte, short>(src), destination);
            }
            else
            {
                DecodeWords(MemoryMarshal.Cast<byte, ushort>(src), destination);
            }
            return;
        }
        ulong mask = BitsStored == 64 ? ulong.MaxValue : (1UL << BitsStored) - 1;
        long signBit = 1L << (BitsStored - 1);
        // Explicit VR big endian OW data with 8-bit pixels has its bytes swapped in pairs.
        bool swapBytePairs = big && BitsAllocated == 8 && PixelVr == "OW";
        int bytes = BitsAllocated / 8;
        for (int r = 0; r < Rows; r++)
        {
            Span<float> row = destination.Slice((Rows - 1 - r) * Columns, Columns);
            int rowStart = r * Columns;
            for (int c = 0; c < Columns; c++)
            {
                int p = rowStart + c;
                ulong raw = bytes switch
                {
                    1 => src[swapBytePairs && (p ^ 1) < src.Length ? p ^ 1 : p],
                    2 => big ? BinaryPrimitives.ReadUInt16BigEndian(src.Slice(p * 2, 2)) : BinaryPrimitives.ReadUInt16LittleEndian(src.Slice(p * 2, 2)),
                    _ => big ? BinaryPrimitives.ReadUInt32BigEndian(src.Slice(p * 4, 4)) : BinaryPrimitives.ReadUInt32LittleEndian(src.Slice(p * 4, 4)),
                };
                long value = (long)((raw >> shift) & mask);
                if (Signed && (value & signBit) != 0)
                {
                    value -= signBit << 1;
                }
                row[c] = (float)((value * Slope) + Intercept);
            }
        }
    }

    private void DecodeWords<T>(ReadOnlySpan<T> words, Span<float> destination) where T : unmanaged, IBinaryInteger<T>
    {
        double slope = Slope, intercept = Intercept;
        for (int r = 0; r < Rows; r++)
        {
            ReadOnlySpan<T> source = words.Slice(r * Columns, Columns);
            Span<float> row = destination.Slice((Rows - 1 - r) * Columns, Columns);
            for (int c = 0; c < source.Length; c++)
            {
                row[c] = (float)((double.CreateTruncating(source[c]) * slope) + intercept);
            }
        }
    }

    private static int Required(DicomDataset ds, uint tag, string name) =>
        ds.GetUInt16(tag) ?? throw ds.Error($"required attribute {name} is missing", tag);

    private static double? Scalar(DicomDataset ds, uint tag, string name)
    {
        double[]? values = ds.GetNumbers(tag, name);
        return values is { Length: > 0 } ? values[0] : null;
    }

    private static double[] ValidateOrientation(DicomDataset ds, double[] o)
    {
        if (o.Length != 6)
        {
            throw ds.Error($"ImageOrientationPatient has {o.Length} values, 6 needed", ImageOrientationPatientTag);
        }
        double nr = Math.Sqrt((o[0] * o[0]) + (o[1] * o[1]) + (o[2] * o[2]));
        double nc = Math.Sqrt((o[3] * o[3]) + (o[4] * o[4]) + (o[5] * o[5]));
        double dot = (o[0] * o[3]) + (o[1] * o[4]) + (o[2] * o[5]);
        if (Math.Abs(nr - 1) > 1e-3 || Math.Abs(nc - 1) > 1e-3 || Math.Abs(dot) > 1e-3)
        {
            throw ds.Error(string.Create(CultureInfo.InvariantCulture,
                $"ImageOrientationPatient is not two orthogonal unit vectors (row norm {nr:G6}, column norm {nc:G6}, dot product {dot:G6})"),
                ImageOrientationPatientTag);
        }
        return [o[0] / nr, o[1] / nr, o[2] / nr, o[3] / nc, o[4] / nc, o[5] / nc];
    }
}
