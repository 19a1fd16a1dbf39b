using System.Globalization;
using System.Text;
using ThighSeg.Core;
using ThighSeg.Core.Volumes;

namespace ThighSeg.IO.Dicom;

/// <summary>
/// Reads a DICOM series (all greyscale images, and frames of enhanced multi-frame objects, of one SeriesInstanceUID in a
/// folder, not recursive) or a single DICOM file (a one-slice volume, or the frames of one enhanced object) into a float32 <see cref="Volume{T}"/> of rescaled values with a RAS+ affine.
/// </summary>
/// <remarks>
/// <para>Voxel order matches dcm2niix: x runs along a stored row (increasing column index), y runs over the stored rows
/// in reverse order (y = Rows-1-row), z runs over the slices sorted by ImagePositionPatient projected on the slice
/// normal (row direction × column direction), ascending. The affine maps (x, y, z) to RAS+ mm (DICOM LPS with x and
/// y negated); its third column is (last position − first position)/(N−1), never SliceThickness.</para>
/// <para>Supported: Part 10 files with or without the 128-byte preamble, raw datasets without meta information
/// (little endian; explicit VR when the first element carries one, else implicit), implicit VR little endian,
/// explicit VR little and big endian and deflated explicit VR little endian; BitsAllocated 8/16/32 with any
/// BitsStored/HighBit, signed or unsigned; MONOCHROME1 and MONOCHROME2 (values are not inverted: RescaleSlope and
/// RescaleIntercept give the modality values, and MONOCHROME1 only changes how they are displayed).</para>
/// <para>Compressed pixel data: RLE Lossless, JPEG lossless (process 14, any predictor), JPEG baseline and extended
/// (8 and 12 bit) and encapsulated uncompressed. Enhanced (and legacy converted) MR, CT and PET multi-frame objects are
/// read as stacks of their frames, with position, orientation, pixel spacing and rescale from the functional groups.</para>
/// <para>Refused with a <see cref="DicomFormatException"/>: other compressed transfer syntaxes (JPEG-LS, JPEG 2000 ...;
/// the message names the syntax and a conversion command), other multi-frame objects, colour or palette images, several series without a chosen
/// <see cref="VolumeReadOptions.SeriesInstanceUid"/>, mixed image sizes, orientations, pixel spacings or stored
/// types, missing or duplicate positions, non-uniform slice spacing and slices not stacked along the normal (gantry
/// tilt). Files in a folder that do not start like DICOM and DICOM objects without pixel data are skipped.</para>
/// <para>Stateless and thread-safe.</para>
/// </remarks>
public sealed class DicomSeriesReader : IVolumeReader
{
    /// <summary>Largest relative deviation of one slice gap from the mean gap (1%).</summary>
    public const double SliceSpacingTolerance = 0.01;

    /// <summary>Largest difference between ImageOrientationPatient components of two slices of one series.</summary>
    public const double OrientationTolerance = 1e-3;

    /// <summary>Positions along the normal closer than this (mm) are duplicates.</summary>
    public const double DuplicatePositionTolerance = 1e-3;

    /// <inheritdoc />
    public string FormatName => "DICOM";

    /// <summary>
    /// True for a folder holding at least one file that starts like DICOM, or for a file that does (DICM marker at
    /// byte 128 or 0, or a raw dataset starting with group 0002/0008) or ends in .dcm, .dicom or .ima.
    /// </summary>
    public bool CanRead(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            if (Directory.Exists(path))
            {
                return Directory.EnumerateFiles(path).Any(IsCandidate); // stops at the first DICOM file
            }
            if (!File.Exists(path))
            {
                return false;
            }
            string ext = Path.GetExtension(path);
            if (!InputFile.IsRegular(path))
            {
                return ext.Equals(".dcm", StringComparison.OrdinalIgnoreCase); // claimed by name only, so Read can refuse it clearly
            }
            return ext.Equals(".dcm", StringComparison.OrdinalIgnoreCase) || ext.Equals(".dicom", StringComparison.OrdinalIgnoreCase)
                || ext.Equals(".ima", StringComparison.OrdinalIgnoreCase) || StartsLikeDicom(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Reads the series in folder <paramref name="path"/>, or the single image file <paramref name="path"/>.</summary>
    /// <exception cref="DicomFormatException">Malformed, unsupported or inconsistent input; the message names the file, element and offset.</exception>
    public LoadedVolume Read(string path, VolumeReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= VolumeReadOptions.Default;
        List<string> files;
        if (Directory.Exists(path))
        {
            files = CandidateFiles(path).ToList();
            if (files.Count == 0)
            {
                throw new DicomFormatException(path, "the folder holds no DICOM files", null, null);
            }
        }
        else if (File.Exists(path))
        {
            RefuseIrregular(path);
            files = [path];
        }
        else
        {
            throw new DicomFormatException(path, "no such file or folder", null, null);
        }

        // Pass 1: headers only (each file's bytes are released after parsing). In a folder, a well-formed file that
        // cannot be decoded (compressed, multi-frame, colour) only matters if its series is the one being read.
        var members = new List<SeriesMember>(files.Count);
        int withoutPixels = 0;
        foreach (string file in files)
        {
            DicomDataset ds = DicomParser.Parse(ReadFile(file, options), file, options.MaxDecompressedBytes);
            var (uid, number, description) = DicomImage.SeriesIdentity(ds);
            try
            {
                IReadOnlyList<DicomImage>? frames = DicomImage.Frames(ds);
                if (frames is null)
                {
                    withoutPixels++;
                    continue;
                }
                foreach (DicomImage image in frames)
                {
                    members.Add(new SeriesMember(uid, number, description, image, null));
                }
            }
            catch (DicomFormatException ex) when (files.Count > 1)
            {
                members.Add(new SeriesMember(uid, number, description, null, ex));
            }
        }
        if (members.Count == 0)
        {
            throw new DicomFormatException(path, $"no images: the {withoutPixels} DICOM object(s) found hold no pixel data (a DICOMDIR, report, RT plan or structure set, waveform ... is not an image); give the folder or file of an MR or CT image series", null, null);
        }
        List<DicomImage> series = SelectSeries(path, members, options.SeriesInstanceUid);
        var geometry = SeriesGeometry.Build(path, series, options.MaxVoxels);

        // Pass 2: decode the pixels in slice order (a multi-frame file is parsed once for its run of frames).
        var shape = geometry.Shape;
        var data = new float[shape.VoxelCount];
        DicomDataset? open = null;
        IReadOnlyList<DicomImage>? current = null;
        for (int z = 0; z < geometry.Slices.Count; z++)
        {
            DicomImage expected = geometry.Slices[z];
            if (open is null || open.Source != expected.Source)
            {
                open = DicomParser.Parse(ReadFile(expected.Source, options), expected.Source, options.MaxDecompressedBytes);
                current = DicomImage.Frames(open);
            }
            DicomImage? image = current is not null && expected.FrameIndex < current.Count ? current[expected.FrameIndex] : null;
            if (image is null || image.Rows != expected.Rows || image.Columns != expected.Columns || image.BitsAllocated != expected.BitsAllocated)
            {
                throw new DicomFormatException(expected.Source, "the file changed while the series was read", null, null);
            }
            image.DecodeInto(open, data.AsSpan(z * shape.SliceSize, shape.SliceSize));
        }
        return new LoadedVolume(new Volume<float>(shape, geometry.Affine, data), new StoredDataType(series[0].StoredTypeName), path);
    }

    /// <summary>Reads one DICOM file held in memory as a one-slice volume (used by robustness tests).</summary>
    internal static LoadedVolume ReadSingle(byte[] bytes, string name)
    {
        DicomDataset ds = DicomParser.Parse(bytes, name);
        IReadOnlyList<DicomImage> frames = DicomImage.Frames(ds) ?? throw new DicomFormatException(name, "the object holds no pixel data", null, null);
        var geometry = SeriesGeometry.Build(name, frames);
        var shape = geometry.Shape;
        var data = new float[shape.VoxelCount];
        for (int z = 0; z < geometry.Slices.Count; z++)
        {
            geometry.Slices[z].DecodeInto(ds, data.AsSpan(z * shape.SliceSize, shape.SliceSize));
        }
        return new LoadedVolume(new Volume<float>(shape, geometry.Affine, data), new StoredDataType(frames[0].StoredTypeName), name);
    }

    private static IEnumerable<string> CandidateFiles(string folder) =>
        Directory.EnumerateFiles(folder).Where(IsCandidate).Order(StringComparer.Ordinal);

    private static bool IsCandidate(string file)
    {
        string name = Path.GetFileName(file);
        // Non-regular entries (FIFOs, sockets, devices, links to them) are skipped unopened: opening a FIFO blocks.
        return !name.StartsWith('.') && !name.Equals("DICOMDIR", StringComparison.OrdinalIgnoreCase) && InputFile.IsRegular(file) && StartsLikeDicom(file);
    }

    private static bool StartsLikeDicom(string file)
    {
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.None);
            Span<byte> head = stackalloc byte[132];
            int n = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            return DicomParser.LooksLikeDicom(head[..n]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static void RefuseIrregular(string file)
    {
        if (InputFile.NotRegularReason(file) is string why)
        {
            throw new DicomFormatException(file, $"not a regular file ({why}); ThighSeg reads DICOM only from regular files", null, null);
        }
    }

    private static byte[] ReadFile(string file, VolumeReadOptions options)
    {
        RefuseIrregular(file);
        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
            long length = stream.Length;
            if (length > Math.Min(Array.MaxLength, options.MaxDecompressedBytes))
            {
                throw new DicomFormatException(file, length > options.MaxDecompressedBytes
                    ? $"the file is {length} bytes, more than the limit of {options.MaxDecompressedBytes} (VolumeReadOptions.MaxDecompressedBytes; raise it to read larger files)"
                    : $"the file is {length} bytes, larger than ThighSeg reads in one piece", null, null);
            }
            var bytes = new byte[length];
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new DicomFormatException(file, $"cannot read the file ({ex.Message})", null, null, ex);
        }
    }

    private static List<DicomImage> SelectSeries(string path, List<SeriesMember> members, string? wanted)
    {
        var groups = members.GroupBy(m => m.Uid, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        IGrouping<string, SeriesMember> chosen;
        if (wanted is not null)
        {
            chosen = groups.FirstOrDefault(g => g.Key == wanted.Trim())
                ?? throw new DicomFormatException(path, $"no series with SeriesInstanceUID '{wanted}'; found: {DescribeSeries(groups)}", null, null);
        }
        else if (groups.Count > 1)
        {
            throw new DicomFormatException(path,
                $"the folder holds {groups.Count} series; choose one with VolumeReadOptions.SeriesInstanceUid (thighseg: --series UID): {DescribeSeries(groups)}", null, null);
        }
        else
        {
            chosen = groups[0];
        }
        var failed = chosen.Where(m => m.Error is not null).ToList();
        if (failed.Count > 0)
        {
            DicomFormatException first = failed[0].Error!;
            throw new DicomFormatException(path,
                $"{failed.Count} of {chosen.Count()} image(s) of the series cannot be read; the first: {first.Message}", first.Tag, first.Offset, first);
        }
        return chosen.Select(m => m.Image!).ToList();
    }

    private static string DescribeSeries(List<IGrouping<string, SeriesMember>> groups)
    {
        var sb = new StringBuilder();
        foreach (var g in groups)
        {
            if (sb.Length > 0)
            {
                sb.Append("; ");
            }
            SeriesMember first = g.First();
            sb.Append(g.Key.Length == 0 ? "(no SeriesInstanceUID)" : g.Key);
            sb.Append(CultureInfo.InvariantCulture, $" ({g.Count()} image(s)");
            int unreadable = g.Count(m => m.Error is not null);
            if (unreadable > 0)
            {
                sb.Append(CultureInfo.InvariantCulture, $", {unreadable} not decodable");
            }
            if (!string.IsNullOrEmpty(first.SeriesNumber))
            {
                sb.Append(CultureInfo.InvariantCulture, $", series number {DicomDataset.Printable(first.SeriesNumber)}");
            }
            if (!string.IsNullOrEmpty(first.SeriesDescription))
            {
                sb.Append(CultureInfo.InvariantCulture, $", '{DicomDataset.Printable(first.SeriesDescription)}'");
            }
            sb.Append(')');
        }
        return sb.ToString();
    }

    private sealed record SeriesMember(string Uid, string? SeriesNumber, string? SeriesDescription, DicomImage? Image, DicomFormatException? Error);
}
