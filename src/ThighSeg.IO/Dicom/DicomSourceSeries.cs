using System.Globalization;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// The patient, study, series and per-instance attributes of a DICOM image series that a derived object (a
/// DICOM-SEG) copies or references: read from the headers of the files of one series in a folder (or one file).
/// </summary>
/// <remarks>
/// Text values keep their bytes (read as Latin-1 and written back as Latin-1 with the same Specific Character Set).
/// Objects without pixel data and Segmentation objects are skipped, so a SEG stored next to its source series does
/// not disturb a later read. Immutable.
/// </remarks>
public sealed class DicomSourceSeries
{
    private const string SegmentationStorage = "1.2.840.10008.5.1.4.1.1.66.4";

    private DicomSourceSeries() { }

    /// <summary>The folder or file read.</summary>
    public required string Source { get; init; }

    /// <summary>Specific Character Set (0008,0005) of the source, or null when absent (the default repertoire).</summary>
    public string? SpecificCharacterSet { get; init; }

    /// <summary>Patient's Name (0010,0010), as stored.</summary>
    public string? PatientName { get; init; }

    /// <summary>Patient ID (0010,0020).</summary>
    public string? PatientId { get; init; }

    /// <summary>Patient's Birth Date (0010,0030).</summary>
    public string? PatientBirthDate { get; init; }

    /// <summary>Patient's Sex (0010,0040).</summary>
    public string? PatientSex { get; init; }

    /// <summary>Study Instance UID (0020,000D).</summary>
    public required string StudyInstanceUid { get; init; }

    /// <summary>Study Date (0008,0020).</summary>
    public string? StudyDate { get; init; }

    /// <summary>Study Time (0008,0030).</summary>
    public string? StudyTime { get; init; }

    /// <summary>Study ID (0020,0010).</summary>
    public string? StudyId { get; init; }

    /// <summary>Accession Number (0008,0050).</summary>
    public string? AccessionNumber { get; init; }

    /// <summary>Referring Physician's Name (0008,0090).</summary>
    public string? ReferringPhysicianName { get; init; }

    /// <summary>Series Instance UID (0020,000E) of the source series.</summary>
    public required string SeriesInstanceUid { get; init; }

    /// <summary>Frame of Reference UID (0020,0052), or null when the source has none.</summary>
    public string? FrameOfReferenceUid { get; init; }

    /// <summary>Position Reference Indicator (0020,1040).</summary>
    public string? PositionReferenceIndicator { get; init; }

    /// <summary>The images of the series, ordered by file name.</summary>
    public required IReadOnlyList<DicomSourceInstance> Instances { get; init; }

    /// <summary>Reads the series in folder <paramref name="path"/> (not recursive) or the single file <paramref name="path"/>.</summary>
    /// <param name="path">A series folder or one DICOM file.</param>
    /// <param name="seriesInstanceUid">The series to read when the folder holds several; null means there must be one.</param>
    /// <exception cref="DicomFormatException">No images, several series without a choice, a missing UID or an unparsable file.</exception>
    public static DicomSourceSeries Read(string path, string? seriesInstanceUid = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        IEnumerable<string> files = Directory.Exists(path)
            ? Directory.EnumerateFiles(path).Where(f => !Path.GetFileName(f).StartsWith('.')).Order(StringComparer.Ordinal)
            : File.Exists(path) ? [path] : throw new DicomFormatException(path, "no such file or folder", null, null);
        var found = new List<(DicomDataset Ds, string File)>();
        foreach (string file in files)
        {
            byte[] bytes;
            try
            {
                bytes = File.ReadAllBytes(file);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new DicomFormatException(file, $"cannot read the file ({ex.Message})", null, null, ex);
            }
            if (!DicomParser.LooksLikeDicom(bytes.AsSpan(0, Math.Min(bytes.Length, 132))))
            {
                continue;
            }
            DicomDataset ds = DicomParser.Parse(bytes, file);
            if (!ds.Contains(DicomParser.PixelDataTag) || ds.GetString(0x00080016) == SegmentationStorage)
            {
                continue;
            }
            found.Add((ds, file));
        }
        if (found.Count == 0)
        {
            throw new DicomFormatException(path, "no DICOM images found (objects without pixel data and segmentations are skipped)", null, null);
        }
        var groups = found.GroupBy(f => f.Ds.GetString(0x0020000E) ?? string.Empty, StringComparer.Ordinal).ToList();
        List<(DicomDataset Ds, string File)> chosen;
        if (seriesInstanceUid is not null)
        {
            chosen = groups.FirstOrDefault(g => g.Key == seriesInstanceUid.Trim())?.ToList()
                ?? throw new DicomFormatException(path, $"no series with SeriesInstanceUID '{seriesInstanceUid}'; found: {string.Join(", ", groups.Select(g => g.Key))}", null, null);
        }
        else if (groups.Count > 1)
        {
            throw new DicomFormatException(path, $"the folder holds {groups.Count} series ({string.Join(", ", groups.Select(g => g.Key))}); choose one by its SeriesInstanceUID", null, null);
        }
        else
        {
            chosen = groups[0].ToList();
        }

        DicomDataset first = chosen[0].Ds;
        var instances = new List<DicomSourceInstance>(chosen.Count);
        foreach (var (ds, file) in chosen)
        {
            string sopClass = Required(ds, 0x00080016, "SOPClassUID");
            string sopInstance = Required(ds, 0x00080018, "SOPInstanceUID");
            double[]? frames = ds.GetNumbers(0x00280008, "NumberOfFrames");
            instances.Add(new DicomSourceInstance(sopClass, sopInstance,
                ds.GetNumbers(0x00200032, "ImagePositionPatient"), ds.GetNumbers(0x00200037, "ImageOrientationPatient"),
                frames is { Length: > 0 } ? (int)frames[0] : 1, file));
        }
        var duplicate = instances.GroupBy(i => i.SopInstanceUid, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new DicomFormatException(path, string.Create(CultureInfo.InvariantCulture,
                $"SOPInstanceUID {duplicate.Key} appears in {duplicate.Count()} files ({string.Join(", ", duplicate.Select(d => Path.GetFileName(d.File)))})"), null, null);
        }
        return new DicomSourceSeries
        {
            Source = path,
            SpecificCharacterSet = first.GetString(0x00080005),
            PatientName = first.GetString(0x00100010),
            PatientId = first.GetString(0x00100020),
            PatientBirthDate = first.GetString(0x00100030),
            PatientSex = first.GetString(0x00100040),
            StudyInstanceUid = Required(first, 0x0020000D, "StudyInstanceUID"),
            StudyDate = first.GetString(0x00080020),
            StudyTime = first.GetString(0x00080030),
            StudyId = first.GetString(0x00200010),
            AccessionNumber = first.GetString(0x00080050),
            ReferringPhysicianName = first.GetString(0x00080090),
            SeriesInstanceUid = Required(first, 0x0020000E, "SeriesInstanceUID"),
            FrameOfReferenceUid = first.GetString(0x00200052) is { Length: > 0 } f ? f : null,
            PositionReferenceIndicator = first.GetString(0x00201040),
            Instances = instances,
        };
    }

    private static string Required(DicomDataset ds, uint tag, string name) =>
        ds.GetString(tag) is { Length: > 0 } v ? v : throw ds.Error($"{name} is missing or empty; a derived object cannot reference this image", tag);
}
