using System.Globalization;
using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// Reads a DICOM Segmentation object with BINARY segments back into a label volume on a target grid (normally the
/// grid of its source series, as <see cref="DicomSeriesReader"/> reads it), so a segmentation corrected in a viewer
/// can come back as training labels.
/// </summary>
/// <remarks>
/// Each frame is placed by its Plane Position and the shared (or per-frame) Plane Orientation and Pixel Measures;
/// every frame must lie on a slice of the target grid with the grid's orientation and spacing. A segment's label
/// value is the value of the label-map entry with the same name as its Segment Label when a label map is given and
/// has that name, else its Segment Number. Overlapping segments, FRACTIONAL and LABELMAP segmentations are refused.
/// Stateless and thread-safe.
/// </remarks>
public static class DicomSegReader
{
    /// <summary>Reads <paramref name="path"/> onto the grid (<paramref name="shape"/>, <paramref name="affine"/>).</summary>
    /// <param name="path">The SEG file.</param>
    /// <param name="shape">Target grid size.</param>
    /// <param name="affine">Target grid affine (RAS+, ThighSeg's DICOM convention).</param>
    /// <param name="labelMap">Label values by name, or null to use Segment Numbers.</param>
    /// <exception cref="DicomFormatException">Not a valid SEG.</exception>
    /// <exception cref="DicomSegException">A SEG that does not fit the grid or cannot be a label volume.</exception>
    public static DicomSegmentation Read(string path, VolumeShape shape, Affine affine, LabelMap? labelMap = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DicomFormatException(path, $"cannot read the file ({ex.Message})", null, null, ex);
        }
        return Read(bytes, path, shape, affine, labelMap);
    }

    /// <summary>Reads a SEG held in memory (see <see cref="Read(string, VolumeShape, Affine, LabelMap?)"/>).</summary>
    public static DicomSegmentation Read(byte[] bytes, string source, VolumeShape shape, Affine affine, LabelMap? labelMap = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        var ds = DicomTree.Parse(bytes, source);
        if (ds.GetString(0x00080016) != DicomSegWriter.SegmentationStorageUid)
        {
            throw ds.Error($"SOP class {DicomUids.DescribeSopClass(ds.GetString(0x00080016))} is not Segmentation Storage", 0x00080016);
        }
        string type = ds.GetString(0x00620001) ?? string.Empty;
        if (type != "BINARY")
        {
            throw new DicomSegException($"{source}: SegmentationType '{type}' is not supported; ThighSeg reads BINARY segmentations");
        }
        int rows = ds.GetUInt16(0x00280010) ?? throw ds.Error("Rows is missing", 0x00280010);
        int columns = ds.GetUInt16(0x00280011) ?? throw ds.Error("Columns is missing", 0x00280011);
        if ((ds.GetUInt16(0x00280100) ?? 0) != 1)
        {
            throw ds.Error("BitsAllocated must be 1 for a BINARY segmentation", 0x00280100);
        }
        if (rows != shape.Y || columns != shape.X)
        {
            throw new DicomSegException($"{source}: the SEG frames are {rows} rows x {columns} columns but the target grid is {shape} (x = columns, y = rows)");
        }
        double[]? frameCount = ds.GetNumbers(0x00280008, "NumberOfFrames");
        int frames = frameCount is { Length: > 0 } && frameCount[0] >= 1 ? (int)frameCount[0] : throw ds.Error("NumberOfFrames is missing or not positive", 0x00280008);

        // Segments.
        var segmentItems = ds.Items(0x00620002);
        if (segmentItems.Count == 0)
        {
            throw ds.Error("SegmentSequence is missing or empty", 0x00620002);
        }
        var byNumber = new SortedDictionary<int, (string Label, DicomCode? Category, DicomCode? Type, DicomCode? Modifier, string? AlgorithmType, string? AlgorithmName)>();
        foreach (DicomTree s in segmentItems)
        {
            int number = s.GetUInt16(0x00620004) ?? throw s.Error("a segment has no SegmentNumber", 0x00620004);
            DicomTree? typeItem = s.Items(0x0062000F).FirstOrDefault();
            if (!byNumber.TryAdd(number, (s.GetString(0x00620005) ?? string.Empty, Code(s.Items(0x00620003).FirstOrDefault()), Code(typeItem),
                Code(typeItem?.Items(0x00620011).FirstOrDefault()), s.GetString(0x00620008), s.GetString(0x00620009))))
            {
                throw s.Error(string.Create(CultureInfo.InvariantCulture, $"segment number {number} appears twice"), 0x00620004);
            }
        }
        var labelOf = new Dictionary<int, int>();
        foreach (var (number, info) in byNumber)
        {
            int value = number;
            if (labelMap is not null)
            {
                var match = labelMap.Names.Where(kv => kv.Key != 0 && string.Equals(kv.Value, info.Label, StringComparison.OrdinalIgnoreCase)).Select(kv => (int?)kv.Key).FirstOrDefault();
                value = match ?? number;
            }
            labelOf[number] = value;
        }

        // Geometry.
        var grid = SegGrid.FromAffine(shape, affine);
        DicomTree shared = ds.Items(0x52009229).FirstOrDefault() ?? throw ds.Error("SharedFunctionalGroupsSequence is missing", 0x52009229);
        var perFrame = ds.Items(0x52009230);
        if (perFrame.Count != frames)
        {
            throw ds.Error(string.Create(CultureInfo.InvariantCulture, $"PerFrameFunctionalGroupsSequence has {perFrame.Count} items but NumberOfFrames is {frames}"), 0x52009230);
        }
        ReadOnlySpan<byte> pixels = ds.GetBytes(0x7FE00010);
        long framePixels = (long)rows * columns;
        if (pixels.Length < ((framePixels * frames) + 7) / 8)
        {
            throw ds.Error(string.Create(CultureInfo.InvariantCulture, $"pixel data holds {pixels.Length} bytes but {frames} frames of {rows}x{columns} bits need {((framePixels * frames) + 7) / 8}"), 0x7FE00010);
        }

        var data = new int[shape.VoxelCount];
        var owner = new int[shape.VoxelCount];
        var frameCounts = new Dictionary<int, int>();
        for (int f = 0; f < frames; f++)
        {
            DicomTree item = perFrame[f];
            DicomTree identification = item.Items(0x0062000A).FirstOrDefault() ?? shared.Item(0x0062000A, $"SegmentIdentificationSequence of frame {f + 1}");
            int segment = identification.GetUInt16(0x0062000B) ?? throw identification.Error($"frame {f + 1} has no ReferencedSegmentNumber", 0x0062000B);
            if (!labelOf.TryGetValue(segment, out int value))
            {
                throw ds.Error(string.Create(CultureInfo.InvariantCulture, $"frame {f + 1} refers to segment {segment}, which the SegmentSequence does not define"), 0x0062000B);
            }
            frameCounts[segment] = frameCounts.GetValueOrDefault(segment) + 1;
            DicomTree orientationItem = item.Items(0x00209116).FirstOrDefault() ?? shared.Item(0x00209116, $"PlaneOrientationSequence of frame {f + 1}");
            double[] o = orientationItem.GetNumbers(0x00200037, "ImageOrientationPatient") is { Length: 6 } oo ? oo : throw orientationItem.Error($"frame {f + 1} has no valid ImageOrientationPatient", 0x00200037);
            for (int n = 0; n < 3; n++)
            {
                if (Math.Abs(o[n] - grid.RowDirection[n]) > 1e-3 || Math.Abs(o[n + 3] - grid.ColumnDirection[n]) > 1e-3)
                {
                    throw new DicomSegException($"{source}: frame {f + 1} has ImageOrientationPatient {string.Join('\\', o.Select(v => v.ToString("G6", CultureInfo.InvariantCulture)))}, which differs from the target grid's orientation");
                }
            }
            DicomTree measures = item.Items(0x00289110).FirstOrDefault() ?? shared.Item(0x00289110, $"PixelMeasuresSequence of frame {f + 1}");
            double[] spacing = measures.GetNumbers(0x00280030, "PixelSpacing") is { Length: 2 } sp ? sp : throw measures.Error($"frame {f + 1} has no valid PixelSpacing", 0x00280030);
            if (Math.Abs(spacing[0] - grid.RowSpacing) > 1e-3 * grid.RowSpacing || Math.Abs(spacing[1] - grid.ColumnSpacing) > 1e-3 * grid.ColumnSpacing)
            {
                throw new DicomSegException(string.Create(CultureInfo.InvariantCulture,
                    $"{source}: frame {f + 1} has PixelSpacing {spacing[0]:G6}\\{spacing[1]:G6} but the target grid has {grid.RowSpacing:G6}\\{grid.ColumnSpacing:G6}"));
            }
            DicomTree position = item.Item(0x00209113, $"PlanePositionSequence of frame {f + 1}");
            double[] p = position.GetNumbers(0x00200032, "ImagePositionPatient") is { Length: 3 } pp ? pp : throw position.Error($"frame {f + 1} has no valid ImagePositionPatient", 0x00200032);
            var (x, y, zf) = grid.VoxelOf(p);
            int z = (int)Math.Round(zf);
            if (Math.Abs(x) > DicomSegWriter.PositionTolerance || Math.Abs(y - (shape.Y - 1)) > DicomSegWriter.PositionTolerance
                || Math.Abs(zf - z) > DicomSegWriter.PositionTolerance || z < 0 || z >= shape.Z)
            {
                throw new DicomSegException(string.Create(CultureInfo.InvariantCulture,
                    $"{source}: frame {f + 1} (segment {segment}) at ImagePositionPatient {p[0]:G6}\\{p[1]:G6}\\{p[2]:G6} does not lie on a slice of the target grid {shape} (voxel {x:0.###}, {y:0.###}, {zf:0.###})"));
            }
            long bitBase = f * framePixels;
            for (int r = 0; r < rows; r++)
            {
                int rowStart = (z * shape.SliceSize) + ((rows - 1 - r) * columns);
                for (int c = 0; c < columns; c++)
                {
                    long bit = bitBase + ((long)r * columns) + c;
                    if ((pixels[(int)(bit >> 3)] & (1 << (int)(bit & 7))) == 0)
                    {
                        continue;
                    }
                    int at = rowStart + c;
                    if (owner[at] != 0 && owner[at] != segment)
                    {
                        throw new DicomSegException(string.Create(CultureInfo.InvariantCulture,
                            $"{source}: segments {owner[at]} and {segment} overlap at voxel ({c}, {rows - 1 - r}, {z}), which one label volume cannot hold"));
                    }
                    owner[at] = segment;
                    data[at] = value;
                }
            }
        }

        var segments = byNumber.Select(kv => new DicomSegment(kv.Key, kv.Value.Label, labelOf[kv.Key], kv.Value.Category, kv.Value.Type, kv.Value.Modifier,
            kv.Value.AlgorithmType, kv.Value.AlgorithmName, frameCounts.GetValueOrDefault(kv.Key))).ToList();
        var referenced = ds.Items(0x00081115).Select(i => i.GetString(0x0020000E) ?? string.Empty).Where(u => u.Length > 0).ToList();
        return new DicomSegmentation(new Volume<int>(shape, affine, data), segments,
            ds.GetString(0x00080018) ?? string.Empty, ds.GetString(0x0020000E) ?? string.Empty, ds.GetString(0x0020000D) ?? string.Empty,
            referenced, ds.GetString(0x00200052));
    }

    private static DicomCode? Code(DicomTree? item) =>
        item is null ? null : new DicomCode(item.GetString(0x00080100) ?? string.Empty, item.GetString(0x00080102) ?? string.Empty, item.GetString(0x00080104) ?? string.Empty);
}
