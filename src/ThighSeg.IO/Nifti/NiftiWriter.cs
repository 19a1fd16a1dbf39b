using System.Buffers;
using System.IO.Compression;
using System.Runtime.InteropServices;
using ThighSeg.Core.Volumes;

namespace ThighSeg.IO.Nifti;

/// <summary>
/// Writes single-file NIfTI (<c>.nii</c>, or gzipped <c>.nii.gz</c>), little endian, atomically: the bytes go to a
/// temporary file in the target folder, which is renamed over the target only once complete, so a failure never
/// leaves a partial file or destroys an existing one.
/// </summary>
/// <remarks>
/// <para>Images are stored as float32 (scl_slope 1, scl_inter 0). Label maps use the smallest type that holds every
/// value: uint8, int16, uint16 or int32; the header's intent is NIFTI_INTENT_LABEL (1002) and label names go into a
/// comment extension (ecode 6) holding JSON (see docs/formats.md), which <see cref="NiftiReader"/> returns as
/// <see cref="LoadedVolume.LabelNames"/>.</para>
/// <para>Geometry: the affine is written as the sform (sform_code 1) and, when its 3x3 part is a rotation times
/// positive voxel sizes (possibly with a flip, stored as qfac), also as the qform (qform_code 1); sheared affines get
/// qform_code 0. NIfTI-1 stores float32, so an affine read from a NIfTI-1 file round-trips bit for bit, and any other
/// affine is rounded to the nearest float32 (relative error below 6e-8, e.g. 0.01 µm at 200 mm); NIfTI-2 stores the
/// double affine exactly. Thread-safe (no shared state).</para>
/// </remarks>
public sealed class NiftiWriter : IVolumeWriter
{
    private const int ChunkVoxels = 1 << 18;
    private readonly NiftiWriteOptions _options;

    /// <summary>Creates a writer with default options (NIfTI-1, fastest gzip).</summary>
    public NiftiWriter() : this(NiftiWriteOptions.Default) { }

    /// <summary>Creates a writer with the given options.</summary>
    public NiftiWriter(NiftiWriteOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
    }

    /// <inheritdoc />
    public string FormatName => "NIfTI";

    /// <summary>True for names ending in .nii or .nii.gz (case-insensitive).</summary>
    public bool CanWrite(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return path.EndsWith(".nii", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase);
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The path does not end in .nii or .nii.gz.</exception>
    public void WriteImage(string path, Volume<float> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var header = BaseHeader(image.Shape, image.Affine, NiftiDataType.Float32, intentCode: 0, intentName: "");
        WriteAtomically(path, header, extension: null, (stream, buffer) =>
        {
            ReadOnlySpan<float> data = image.Data;
            for (int i = 0; i < data.Length; i += ChunkVoxels)
            {
                var part = data.Slice(i, Math.Min(ChunkVoxels, data.Length - i));
                var bytes = buffer.AsSpan(0, part.Length * 4);
                MemoryMarshal.AsBytes(part).CopyTo(bytes);
                if (!BitConverter.IsLittleEndian)
                {
                    var u = MemoryMarshal.Cast<byte, uint>(bytes);
                    System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(u, u);
                }
                stream.Write(bytes);
            }
        });
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The path does not end in .nii or .nii.gz, or a label name is null.</exception>
    public void WriteLabels(string path, Volume<int> labels, IReadOnlyDictionary<int, string>? labelNames = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        if (labelNames is not null && labelNames.Values.Any(v => v is null))
        {
            throw new ArgumentException("Label names must not be null.", nameof(labelNames));
        }
        var type = LabelTypeFor(labels.Data);
        var header = BaseHeader(labels.Shape, labels.Affine, type, intentCode: 1002, intentName: "labels");
        int bpp = NiftiDataTypes.BytesPerVoxel(type);
        byte[]? ext = labelNames is { Count: > 0 } ? NiftiLabelExtension.Encode(labelNames) : null;
        WriteAtomically(path, header, ext, (stream, buffer) =>
        {
            ReadOnlySpan<int> data = labels.Data;
            for (int i = 0; i < data.Length; i += ChunkVoxels)
            {
                var part = data.Slice(i, Math.Min(ChunkVoxels, data.Length - i));
                var bytes = buffer.AsSpan(0, part.Length * bpp);
                Narrow(part, bytes, type);
                stream.Write(bytes);
            }
        });
    }

    /// <summary>The smallest NIfTI integer type holding every value: uint8, int16, uint16, else int32.</summary>
    public static NiftiDataType LabelTypeFor(ReadOnlySpan<int> values)
    {
        int min = 0, max = 0;
        foreach (int v in values)
        {
            if (v < min) { min = v; }
            if (v > max) { max = v; }
        }
        if (min >= 0 && max <= byte.MaxValue) { return NiftiDataType.UInt8; }
        if (min >= short.MinValue && max <= short.MaxValue) { return NiftiDataType.Int16; }
        if (min >= 0 && max <= ushort.MaxValue) { return NiftiDataType.UInt16; }
        return NiftiDataType.Int32;
    }

    private static void Narrow(ReadOnlySpan<int> src, Span<byte> dst, NiftiDataType type)
    {
        switch (type)
        {
            case NiftiDataType.UInt8:
                for (int i = 0; i < src.Length; i++) { dst[i] = (byte)src[i]; }
                break;
            case NiftiDataType.Int16:
                for (int i = 0; i < src.Length; i++) { System.Buffers.Binary.BinaryPrimitives.WriteInt16LittleEndian(dst[(2 * i)..], (short)src[i]); }
                break;
            case NiftiDataType.UInt16:
                for (int i = 0; i < src.Length; i++) { System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(dst[(2 * i)..], (ushort)src[i]); }
                break;
            default:
                for (int i = 0; i < src.Length; i++) { System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(dst[(4 * i)..], src[i]); }
                break;
        }
    }

    private NiftiHeader BaseHeader(VolumeShape shape, Affine affine, NiftiDataType type, int intentCode, string intentName)
    {
        int version = _options.Version;
        if (shape.X > short.MaxValue || shape.Y > short.MaxValue || shape.Z > short.MaxValue)
        {
            version = 2;
        }
        // The sform as stored (float32 for NIfTI-1), and the qform derived from those stored values.
        var m = new double[16];
        for (int i = 0; i < 16; i++)
        {
            m[i] = version == 1 ? (float)affine.RowMajor[i] : affine.RowMajor[i];
        }
        var q = NiftiGeometry.ToQform(m);
        var srow = new double[12];
        Array.Copy(m, srow, 12);
        int bpp = NiftiDataTypes.BytesPerVoxel(type);
        return new NiftiHeader
        {
            Version = version,
            Dim = [3, shape.X, shape.Y, shape.Z, 1, 1, 1, 1],
            DataTypeCode = (int)type,
            BitPix = bpp * 8,
            PixDim = [q.Qfac, q.Dx, q.Dy, q.Dz, 0, 0, 0, 0],
            SclSlope = 1,
            SclInter = 0,
            XyztUnits = 2, // millimetres
            IntentCode = intentCode,
            IntentName = intentName,
            Description = _options.Description,
            QformCode = q.HasQform ? 1 : 0,
            SformCode = 1,
            QuaternB = q.B,
            QuaternC = q.C,
            QuaternD = q.D,
            QOffsetX = m[3],
            QOffsetY = m[7],
            QOffsetZ = m[11],
            SRow = srow,
        };
    }

    /// <summary>Writes header, extension and voxels through <see cref="Core.AtomicFile"/> (a temporary file in the target
    /// folder renamed over the target; a failure leaves the target untouched and removes the temporary file, and the
    /// temporary file of a killed earlier write is removed by the next write of the same target).</summary>
    internal void WriteAtomically(string path, NiftiHeader header, byte[]? extension, Action<Stream, byte[]> writeVoxels)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!CanWrite(path))
        {
            throw new ArgumentException($"NIfTI output must end in .nii or .nii.gz, got \"{path}\".", nameof(path));
        }
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full))
        {
            throw new IOException($"Cannot write {full}: it is a directory.");
        }
        header = header with { VoxOffset = header.HeaderSize + 4 + (extension?.Length ?? 0) };
        bool gzip = full.EndsWith(".gz", StringComparison.OrdinalIgnoreCase);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(ChunkVoxels * 4);
        try
        {
            Core.AtomicFile.Write(full, file =>
            {
                Stream target = gzip ? new GZipStream(file, _options.Compression, leaveOpen: true) : file;
                try
                {
                    target.Write(header.ToBytes());
                    byte[] extender = [extension is null ? (byte)0 : (byte)1, 0, 0, 0];
                    target.Write(extender);
                    if (extension is not null)
                    {
                        target.Write(extension);
                    }
                    writeVoxels(target, buffer);
                }
                finally
                {
                    if (gzip)
                    {
                        target.Dispose();
                    }
                }
            });
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
