using ThighSeg.Core.Volumes;
using ThighSeg.IO.Nifti;

namespace ThighSeg.IO;

/// <summary>
/// The registry of volume readers and writers: picks a reader by file extension or folder content and a writer by
/// extension. Immutable and thread-safe; build a variant with <see cref="WithReader"/> or <see cref="WithWriter"/>.
/// </summary>
/// <remarks>
/// <see cref="Default"/> holds <see cref="DefaultReaders"/> and <see cref="DefaultWriters"/>. Readers are asked in order
/// and the first whose <see cref="IVolumeReader.CanRead"/> is true reads the path, so put specific readers first.
/// </remarks>
public sealed class VolumeFormats
{
    private readonly IVolumeReader[] _readers;
    private readonly IVolumeWriter[] _writers;

    /// <summary>Creates a registry over the given readers and writers (asked in this order).</summary>
    public VolumeFormats(IEnumerable<IVolumeReader> readers, IEnumerable<IVolumeWriter> writers)
    {
        ArgumentNullException.ThrowIfNull(readers);
        ArgumentNullException.ThrowIfNull(writers);
        _readers = readers.ToArray();
        _writers = writers.ToArray();
        if (_readers.Any(r => r is null) || _writers.Any(w => w is null))
        {
            throw new ArgumentException("Readers and writers must not contain null.");
        }
    }

    /// <summary>The readers ThighSeg ships, in the order they are tried. Add new formats (e.g. a DICOM series reader) here.</summary>
    public static IReadOnlyList<IVolumeReader> DefaultReaders() =>
    [
        new NiftiReader(),
        new Dicom.DicomSeriesReader(),
    ];

    /// <summary>The writers ThighSeg ships.</summary>
    public static IReadOnlyList<IVolumeWriter> DefaultWriters() =>
    [
        new NiftiWriter(),
    ];

    /// <summary>The registry with <see cref="DefaultReaders"/> and <see cref="DefaultWriters"/>.</summary>
    public static VolumeFormats Default { get; } = new(DefaultReaders(), DefaultWriters());

    /// <summary>The readers, in the order they are tried.</summary>
    public IReadOnlyList<IVolumeReader> Readers => _readers;

    /// <summary>The writers, in the order they are tried.</summary>
    public IReadOnlyList<IVolumeWriter> Writers => _writers;

    /// <summary>A registry that also tries <paramref name="reader"/>, before the existing ones.</summary>
    public VolumeFormats WithReader(IVolumeReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        return new VolumeFormats(_readers.Prepend(reader), _writers);
    }

    /// <summary>A registry that also tries <paramref name="writer"/>, before the existing ones.</summary>
    public VolumeFormats WithWriter(IVolumeWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        return new VolumeFormats(_readers, _writers.Prepend(writer));
    }

    /// <summary>The first reader that can read <paramref name="path"/>.</summary>
    /// <exception cref="VolumeFormatException">The path does not exist, or no reader recognises it.</exception>
    public IVolumeReader ReaderFor(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new VolumeFormatException($"No such file or folder: {path}");
        }
        return _readers.FirstOrDefault(r => r.CanRead(path)) ?? throw new VolumeFormatException(
            $"{path}: no reader recognises this {(Directory.Exists(path) ? "folder" : "file")}; known formats: {string.Join(", ", _readers.Select(r => r.FormatName).Distinct())}" +
            " (NIfTI: .nii, .nii.gz, .hdr/.img; DICOM: a series folder or one DICOM file).");
    }

    /// <summary>The first writer that can write <paramref name="path"/>.</summary>
    /// <exception cref="VolumeFormatException">No writer handles the extension.</exception>
    public IVolumeWriter WriterFor(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return _writers.FirstOrDefault(w => w.CanWrite(path)) ?? throw new VolumeFormatException(
            $"{path}: no writer for this extension; ThighSeg writes {string.Join(", ", _writers.Select(w => w.FormatName).Distinct())} (.nii, .nii.gz).");
    }

    /// <summary>Reads a file or folder with the matching reader.</summary>
    /// <exception cref="VolumeFormatException">Unknown format, or the reader rejects the input.</exception>
    public LoadedVolume Read(string path, VolumeReadOptions? options = null) => ReaderFor(path).Read(path, options);

    /// <summary>Writes a float32 image with the writer for <paramref name="path"/>'s extension.</summary>
    public void WriteImage(string path, Volume<float> image) => WriterFor(path).WriteImage(path, image);

    /// <summary>Writes a label map (with optional names) with the writer for <paramref name="path"/>'s extension.</summary>
    public void WriteLabels(string path, Volume<int> labels, IReadOnlyDictionary<int, string>? labelNames = null) =>
        WriterFor(path).WriteLabels(path, labels, labelNames);
}
