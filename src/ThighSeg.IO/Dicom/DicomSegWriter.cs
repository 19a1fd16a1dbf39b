using System.Globalization;
using ThighSeg.Core;
using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// Writes a label volume predicted from a DICOM series as a DICOM Segmentation object (SEG IOD, PS3.3 A.51) with
/// BINARY segments: patient and study copied from the source, a new series in the source's Frame of Reference, one
/// segment per foreground label of the label map (its name, coded category and type, laterality for side-specific
/// names, algorithm identification), one frame per non-empty (segment, slice) pair with its plane position, segment
/// identification and the source image it derives from, and the Common Instance Reference module.
/// </summary>
/// <remarks>
/// The label volume must be in the source series' own geometry (as <see cref="DicomSeriesReader"/> reads it and
/// ThighSeg predicts it: x along a stored row, y over the stored rows in reverse order, z over the slices): each
/// source image must lie on one slice of the volume. Stateless and thread-safe.
/// </remarks>
public static class DicomSegWriter
{
    /// <summary>Segmentation Storage SOP Class UID.</summary>
    public const string SegmentationStorageUid = "1.2.840.10008.5.1.4.1.1.66.4";

    /// <summary>Largest distance (in voxels) between a source image's position and the slice it is matched to.</summary>
    public const double PositionTolerance = 0.01;

    private static readonly DicomCode SourceImagePurpose = new("121322", "DCM", "Source image for image processing operation");
    private static readonly DicomCode SegmentationDerivation = new("113076", "DCM", "Segmentation");
    private static readonly DicomCode ArtificialIntelligence = new("123110", "DCM", "Artificial Intelligence");

    /// <summary>Encodes the SEG for <paramref name="labels"/> predicted from <paramref name="source"/>.</summary>
    /// <param name="labels">Label values in the source series' geometry.</param>
    /// <param name="labelMap">Names of the label values (every value in <paramref name="labels"/> must be in it); one segment per foreground label.</param>
    /// <param name="source">The source series' attributes (<see cref="DicomSourceSeries.Read"/>).</param>
    /// <param name="options">Series and algorithm description; null for defaults.</param>
    /// <returns>The Part 10 file bytes and a summary.</returns>
    /// <exception cref="DicomSegException">The volume does not match the source series or the label map.</exception>
    public static (byte[] Bytes, DicomSegSummary Summary) Encode(Volume<int> labels, LabelMap labelMap, DicomSourceSeries source, DicomSegOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(labelMap);
        ArgumentNullException.ThrowIfNull(source);
        options ??= DicomSegOptions.Default;
        options.Validate();

        var grid = SegGrid.FromAffine(labels.Shape, labels.Affine);
        DicomSourceInstance[] bySlice = MatchInstances(grid, source);
        int[] segmentValues = labelMap.Values.Where(v => v != 0).ToArray();
        if (segmentValues.Length == 0)
        {
            throw new DicomSegException("the label map has no foreground label, so the SEG would have no segment");
        }
        if (segmentValues.Length > ushort.MaxValue)
        {
            throw new DicomSegException($"the label map has {segmentValues.Length} foreground labels; a SEG holds at most {ushort.MaxValue} segments");
        }
        var segmentOf = new Dictionary<int, int>();
        for (int i = 0; i < segmentValues.Length; i++)
        {
            segmentOf[segmentValues[i]] = i;
        }

        // Which (segment, slice) pairs are non-empty.
        VolumeShape shape = labels.Shape;
        var present = new bool[segmentValues.Length, shape.Z];
        for (int z = 0; z < shape.Z; z++)
        {
            ReadOnlySpan<int> slice = labels.Data.AsSpan(z * shape.SliceSize, shape.SliceSize);
            foreach (int v in slice)
            {
                if (v == 0)
                {
                    continue;
                }
                if (!segmentOf.TryGetValue(v, out int s))
                {
                    throw new DicomSegException(string.Create(CultureInfo.InvariantCulture,
                        $"label value {v} (slice {z}) is not in the label map ({string.Join(", ", labelMap.Values)})"));
                }
                present[s, z] = true;
            }
        }
        var frames = new List<(int Segment, int Z)>();
        for (int s = 0; s < segmentValues.Length; s++)
        {
            for (int z = 0; z < shape.Z; z++)
            {
                if (present[s, z])
                {
                    frames.Add((s, z));
                }
            }
        }
        bool emptyPlaceholder = frames.Count == 0;
        if (emptyPlaceholder)
        {
            frames.Add((0, 0)); // a SEG needs at least one frame: one empty frame of segment 1
        }

        int rows = shape.Y, columns = shape.X;
        long framePixels = (long)rows * columns;
        long totalBits = framePixels * frames.Count;
        if ((totalBits + 7) / 8 > int.MaxValue - 8)
        {
            throw new DicomSegException($"the SEG pixel data would need {(totalBits + 7) / 8} bytes, more than one DICOM element can hold");
        }
        var pixels = new byte[(totalBits + 7) / 8];
        for (int f = 0; f < frames.Count && !emptyPlaceholder; f++)
        {
            var (s, z) = frames[f];
            int value = segmentValues[s];
            long bitBase = f * framePixels;
            for (int r = 0; r < rows; r++)
            {
                ReadOnlySpan<int> row = labels.Data.AsSpan((z * shape.SliceSize) + ((rows - 1 - r) * columns), columns);
                for (int c = 0; c < columns; c++)
                {
                    if (row[c] == value)
                    {
                        long bit = bitBase + ((long)r * columns) + c;
                        pixels[bit >> 3] |= (byte)(1 << (int)(bit & 7));
                    }
                }
            }
        }

        string seriesUid = options.SeriesInstanceUid ?? DicomWriter.NewUid();
        string sopUid = options.SopInstanceUid ?? DicomWriter.NewUid();
        string dimensionOrganizationUid = DicomWriter.NewUid();
        DateTime now = DateTime.UtcNow;
        string date = now.ToString("yyyyMMdd", CultureInfo.InvariantCulture);
        string time = now.ToString("HHmmss.ffffff", CultureInfo.InvariantCulture);

        var ds = new DicomWriter();
        if (!string.IsNullOrEmpty(source.SpecificCharacterSet))
        {
            ds.Text(0x00080005, "CS", source.SpecificCharacterSet);
        }
        ds.Texts(0x00080008, "CS", "DERIVED", "PRIMARY")
            .Text(0x00080016, "UI", SegmentationStorageUid)
            .Text(0x00080018, "UI", sopUid)
            .Text(0x00080020, "DA", source.StudyDate)
            .Text(0x00080021, "DA", date)
            .Text(0x00080023, "DA", date)
            .Text(0x00080030, "TM", source.StudyTime)
            .Text(0x00080031, "TM", time)
            .Text(0x00080033, "TM", time)
            .Text(0x00080050, "SH", source.AccessionNumber)
            .Text(0x00080060, "CS", "SEG")
            .Text(0x00080070, "LO", options.Manufacturer)
            .Text(0x00080090, "PN", source.ReferringPhysicianName)
            .Text(0x00080201, "SH", "+0000")
            .Text(0x0008103E, "LO", options.SeriesDescription)
            .Text(0x00081090, "LO", options.ManufacturerModelName)
            .Sequence(0x00081115, new DicomWriter()
                .Sequence(0x0008114A, source.Instances.Select(i => new DicomWriter()
                    .Text(0x00081150, "UI", i.SopClassUid)
                    .Text(0x00081155, "UI", i.SopInstanceUid)).ToArray())
                .Text(0x0020000E, "UI", source.SeriesInstanceUid))
            .Text(0x00100010, "PN", source.PatientName)
            .Text(0x00100020, "LO", source.PatientId)
            .Text(0x00100030, "DA", source.PatientBirthDate)
            .Text(0x00100040, "CS", source.PatientSex)
            .Text(0x00181000, "LO", options.DeviceSerialNumber)
            .Text(0x00181020, "LO", options.AlgorithmVersion)
            .Text(0x0020000D, "UI", source.StudyInstanceUid)
            .Text(0x0020000E, "UI", seriesUid)
            .Text(0x00200010, "SH", source.StudyId)
            .Integer(0x00200011, options.SeriesNumber)
            .Integer(0x00200013, options.InstanceNumber)
            .Text(0x00200052, "UI", source.FrameOfReferenceUid ?? DicomWriter.NewUid())
            .Text(0x00201040, "LO", source.PositionReferenceIndicator)
            .Sequence(0x00209221, new DicomWriter().Text(0x00209164, "UI", dimensionOrganizationUid))
            .Sequence(0x00209222,
                new DicomWriter()
                    .Text(0x00209164, "UI", dimensionOrganizationUid)
                    .Tags(0x00209165, 0x0062000B)
                    .Tags(0x00209167, 0x0062000A)
                    .Text(0x00209421, "LO", "ReferencedSegmentNumber"),
                new DicomWriter()
                    .Text(0x00209164, "UI", dimensionOrganizationUid)
                    .Tags(0x00209165, 0x00200032)
                    .Tags(0x00209167, 0x00209113)
                    .Text(0x00209421, "LO", "ImagePositionPatient"))
            .Text(0x00209311, "CS", "3D")
            .UInt16(0x00280002, 1)
            .Text(0x00280004, "CS", "MONOCHROME2")
            .Integer(0x00280008, frames.Count)
            .UInt16(0x00280010, (ushort)rows)
            .UInt16(0x00280011, (ushort)columns)
            .UInt16(0x00280100, 1)
            .UInt16(0x00280101, 1)
            .UInt16(0x00280102, 0)
            .UInt16(0x00280103, 0)
            .Text(0x00282110, "CS", "00")
            .Text(0x00620001, "CS", "BINARY")
            .Sequence(0x00620002, segmentValues.Select((v, i) => SegmentItem(i + 1, labelMap.Name(v), options)).ToArray())
            .Text(0x00700080, "CS", options.ContentLabel)
            .Text(0x00700081, "LO", options.ContentDescription)
            .Text(0x00700084, "PN", null)
            .Sequence(0x52009229, new DicomWriter()
                .Sequence(0x00289110, new DicomWriter()
                    .Decimals(0x00180050, grid.SliceSpacing)
                    .Decimals(0x00180088, grid.SliceSpacing)
                    .Decimals(0x00280030, grid.RowSpacing, grid.ColumnSpacing))
                .Sequence(0x00209116, new DicomWriter()
                    .Decimals(0x00200037, grid.RowDirection[0], grid.RowDirection[1], grid.RowDirection[2],
                        grid.ColumnDirection[0], grid.ColumnDirection[1], grid.ColumnDirection[2])))
            .Sequence(0x52009230, frames.Select(f => FrameItem(f.Segment + 1, f.Z, grid, bySlice[f.Z])).ToArray())
            .Bytes(0x7FE00010, "OB", pixels);

        if (ds.Count == 0 || (long)rows * columns == 0)
        {
            throw new DicomSegException("empty label volume");
        }
        byte[] bytes = ds.ToPart10(SegmentationStorageUid, sopUid, "THIGHSEG_" + options.AlgorithmVersion);
        return (bytes, new DicomSegSummary(sopUid, seriesUid, source.StudyInstanceUid, segmentValues.Length, emptyPlaceholder ? 0 : frames.Count, bytes.Length));
    }

    /// <summary>Writes the SEG to <paramref name="path"/> atomically (see <see cref="Encode"/>).</summary>
    /// <exception cref="DicomSegException">The volume does not match the source series or the label map.</exception>
    public static DicomSegSummary Write(string path, Volume<int> labels, LabelMap labelMap, DicomSourceSeries source, DicomSegOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var (bytes, summary) = Encode(labels, labelMap, source, options);
        AtomicFile.WriteAllBytes(path, bytes);
        return summary;
    }

    /// <summary>
    /// Writes the SEG for a label volume predicted from the DICOM series folder <paramref name="seriesFolder"/>:
    /// reads the source attributes there and writes <paramref name="path"/> atomically.
    /// </summary>
    public static DicomSegSummary WriteForSeries(string path, Volume<int> labels, LabelMap labelMap, string seriesFolder, string? seriesInstanceUid = null, DicomSegOptions? options = null) =>
        Write(path, labels, labelMap, DicomSourceSeries.Read(seriesFolder, seriesInstanceUid), options);

    private static DicomWriter SegmentItem(int number, string name, DicomSegOptions options)
    {
        SegmentCoding coding = options.Codes.Lookup(name);
        var type = DicomWriter.CodeItem(coding.Type);
        if (coding.Laterality is not null)
        {
            type.Code(0x00620011, coding.Laterality);
        }
        string label = name.Length > 64 ? name[..64] : name;
        return new DicomWriter()
            .Code(0x00620003, coding.Category)
            .UInt16(0x00620004, (ushort)number)
            .Text(0x00620005, "LO", label)
            .Sequence(0x0062000F, type)
            .Text(0x00620008, "CS", "AUTOMATIC")
            .Text(0x00620009, "LO", options.AlgorithmName)
            .Sequence(0x00620007, new DicomWriter()
                .Code(0x0066002F, ArtificialIntelligence)
                .Text(0x00660031, "LO", options.AlgorithmVersion)
                .Text(0x00660036, "LO", options.AlgorithmName));
    }

    private static DicomWriter FrameItem(int segmentNumber, int z, SegGrid grid, DicomSourceInstance sourceImage)
    {
        double[] p = grid.SlicePosition(z);
        return new DicomWriter()
            .Sequence(0x00089124, new DicomWriter()
                .Sequence(0x00082112, new DicomWriter()
                    .Text(0x00081150, "UI", sourceImage.SopClassUid)
                    .Text(0x00081155, "UI", sourceImage.SopInstanceUid)
                    .Code(0x0040A170, SourceImagePurpose))
                .Code(0x00089215, SegmentationDerivation))
            .Sequence(0x00209111, new DicomWriter().UInt32(0x00209157, (uint)segmentNumber, (uint)(z + 1)))
            .Sequence(0x00209113, new DicomWriter().Decimals(0x00200032, p[0], p[1], p[2]))
            .Sequence(0x0062000A, new DicomWriter().UInt16(0x0062000B, (ushort)segmentNumber));
    }

    /// <summary>The source image on each slice of the grid.</summary>
    private static DicomSourceInstance[] MatchInstances(SegGrid grid, DicomSourceSeries source)
    {
        var bySlice = new DicomSourceInstance?[grid.Shape.Z];
        foreach (DicomSourceInstance instance in source.Instances)
        {
            if (instance.NumberOfFrames != 1)
            {
                throw new DicomSegException($"source image {Path.GetFileName(instance.File)} has {instance.NumberOfFrames} frames; DICOM-SEG output needs a series of single-frame images");
            }
            if (instance.Position is not { Length: 3 } || instance.Orientation is not { Length: 6 })
            {
                throw new DicomSegException($"source image {Path.GetFileName(instance.File)} has no ImagePositionPatient/ImageOrientationPatient, so SEG frames cannot be placed");
            }
            for (int n = 0; n < 3; n++)
            {
                if (Math.Abs(instance.Orientation[n] - grid.RowDirection[n]) > 1e-3 || Math.Abs(instance.Orientation[n + 3] - grid.ColumnDirection[n]) > 1e-3)
                {
                    throw new DicomSegException($"source image {Path.GetFileName(instance.File)} has another orientation than the label volume; the labels must be in the source series' geometry");
                }
            }
            var (x, y, zf) = grid.VoxelOf(instance.Position);
            int z = (int)Math.Round(zf);
            if (Math.Abs(x) > PositionTolerance || Math.Abs(y - (grid.Shape.Y - 1)) > PositionTolerance || Math.Abs(zf - z) > PositionTolerance || z < 0 || z >= grid.Shape.Z)
            {
                throw new DicomSegException(string.Create(CultureInfo.InvariantCulture,
                    $"source image {Path.GetFileName(instance.File)} does not lie on a slice of the label volume (voxel {x:0.###}, {y:0.###}, {zf:0.###} of {grid.Shape}); the labels must be in the source series' geometry"));
            }
            if (bySlice[z] is not null)
            {
                throw new DicomSegException($"source images {Path.GetFileName(bySlice[z]!.File)} and {Path.GetFileName(instance.File)} lie on the same slice {z}");
            }
            bySlice[z] = instance;
        }
        int missing = Array.FindIndex(bySlice, i => i is null);
        if (missing >= 0)
        {
            throw new DicomSegException(string.Create(CultureInfo.InvariantCulture,
                $"slice {missing} of the label volume ({grid.Shape}) has no source image in {source.Source} ({source.Instances.Count} images)"));
        }
        return bySlice!;
    }
}
