using System.Buffers;
using System.Globalization;
using System.IO.Compression;
using ThighSeg.Core;
using ThighSeg.Core.Volumes;

namespace ThighSeg.IO.Nifti;

/// <summary>
/// Reads NIfTI-1 and NIfTI-2 volumes: <c>.nii</c>, <c>.nii.gz</c>, and <c>.hdr</c>/<c>.img</c> pairs (either part
/// optionally gzipped), little or big endian; uint8, int8, int16, uint16, int32, uint32, float32 and float64 voxels.
/// </summary>
/// <remarks>
/// <para>Values are returned as float32 after <c>scl_slope</c>/<c>scl_inter</c> scaling (computed in double and
/// rounded once; a slope of 0 or a non-finite slope means no scaling, as in the standard and nibabel). The affine follows
/// the standard's precedence: sform when <c>sform_code &gt; 0</c>, else the qform (quaternion, <c>qoffset</c>, pixdim
/// and qfac) when <c>qform_code &gt; 0</c>, else nibabel's pixdim fallback (x flipped, origin at the volume centre). It
/// is in NIfTI's RAS+ world, millimetres, voxel indices from 0; voxels stay in file order (x fastest), not reoriented.</para>
/// <para>4D files need <see cref="VolumeReadOptions.VolumeIndex"/>; 5D and higher are refused. Gzip is recognised by
/// its magic bytes whatever the file name. Before any voxel array is allocated the reader checks that the file can hold
/// the data the header declares (the file length for uncompressed data; for gzip, the decompressed bytes are collected in
/// pooled chunks and the output array is allocated only once all of them have actually been decompressed).</para>
/// <para>Every malformed input gives a <see cref="VolumeFormatException"/> naming the file and the field or byte offset.
/// Stateless and thread-safe.</para>
/// </remarks>
public sealed class NiftiReader : IVolumeReader
{
    /// <summary>Size of the pooled chunks voxel bytes are read in (a multiple of every voxel size).</summary>
    internal const int ChunkSize = 1 << 20;

    /// <summary>deflate cannot expand more than about 1032:1; a gzip file of n bytes cannot hold more than this factor times n.</summary>
    private const long MaxDeflateRatio = 1032;

    /// <summary>Label-name JSON larger than this in a comment extension is not parsed.</summary>
    private const int MaxExtensionPayload = 16 << 20;

    /// <inheritdoc />
    public string FormatName => "NIfTI";

    /// <summary>True for names ending in .nii, .nii.gz, .hdr, .hdr.gz, .img or .img.gz (case-insensitive).</summary>
    public bool CanRead(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return Classify(path) != FileKind.Unknown;
    }

    /// <inheritdoc />
    public LoadedVolume Read(string path, VolumeReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        options ??= VolumeReadOptions.Default;
        var kind = Classify(path);
        if (kind == FileKind.Unknown)
        {
            throw new VolumeFormatException($"{path}: not a NIfTI file name (expected .nii, .nii.gz, .hdr, .hdr.gz, .img or .img.gz).");
        }
        if (kind == FileKind.Single)
        {
            using var file = OpenFile(path, "NIfTI file");
            return ReadStreams(file, null, path, options);
        }
        var (hdrPath, imgPath) = PairPaths(path);
        using var hdr = OpenFile(hdrPath, "NIfTI header (.hdr)");
        using var img = OpenFile(imgPath, $"NIfTI image (.img) for header {hdrPath}");
        return ReadStreams(hdr, img, path, options);
    }

    /// <summary>
    /// Reads a single-file NIfTI (<c>.nii</c> content, optionally gzipped) from a stream. <paramref name="source"/>
    /// names it in error messages.
    /// </summary>
    /// <exception cref="VolumeFormatException">The content is malformed, truncated or unsupported.</exception>
    public static LoadedVolume Read(Stream stream, string source, VolumeReadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(source);
        return ReadStreams(stream, null, source, options ?? VolumeReadOptions.Default);
    }

    private enum FileKind
    {
        Unknown,
        Single,
        Pair,
    }

    private static FileKind Classify(string path)
    {
        string p = path.ToLowerInvariant();
        if (p.EndsWith(".nii", StringComparison.Ordinal) || p.EndsWith(".nii.gz", StringComparison.Ordinal))
        {
            return FileKind.Single;
        }
        if (p.EndsWith(".hdr", StringComparison.Ordinal) || p.EndsWith(".hdr.gz", StringComparison.Ordinal)
            || p.EndsWith(".img", StringComparison.Ordinal) || p.EndsWith(".img.gz", StringComparison.Ordinal))
        {
            return FileKind.Pair;
        }
        return FileKind.Unknown;
    }

    private static (string Header, string Image) PairPaths(string path)
    {
        string lower = path.ToLowerInvariant();
        bool gz = lower.EndsWith(".gz", StringComparison.Ordinal);
        string stem = path[..^(gz ? 7 : 4)];
        bool isHeader = lower.EndsWith(".hdr", StringComparison.Ordinal) || lower.EndsWith(".hdr.gz", StringComparison.Ordinal);
        string ext = path.Substring(stem.Length + 1, 3);
        bool upper = ext == ext.ToUpperInvariant();
        string Partner(string e) => stem + "." + (upper ? e.ToUpperInvariant() : e);
        string FirstExisting(string e) => new[] { Partner(e) + (gz ? ".gz" : ""), Partner(e) + (gz ? "" : ".gz") }.FirstOrDefault(File.Exists) ?? Partner(e) + (gz ? ".gz" : "");
        return isHeader ? (path, FirstExisting("img")) : (FirstExisting("hdr"), path);
    }

    private static FileStream OpenFile(string path, string what)
    {
        if (!File.Exists(path))
        {
            throw new VolumeFormatException($"{what} not found: {path}");
        }
        if (InputFile.NotRegularReason(path) is string why)
        {
            // Checked before opening: opening a FIFO blocks until a writer appears, and a device streams without end.
            throw new VolumeFormatException($"{path}: the {what} is not a regular file ({why}); ThighSeg reads volumes only from regular files.");
        }
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
    }

    /// <summary>Wraps the stream in a gzip decompressor when it starts with the gzip magic; returns the compressed length when known.</summary>
    private static (Stream Stream, bool Gzip, long? Length) Open(Stream raw)
    {
        long? length = null;
        if (raw.CanSeek)
        {
            long start = raw.Position;
            Span<byte> magic = stackalloc byte[2];
            int n = raw.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
            raw.Position = start;
            length = raw.Length - start;
            if (n == 2 && magic[0] == 0x1f && magic[1] == 0x8b)
            {
                return (new GZipStream(raw, CompressionMode.Decompress, leaveOpen: true), true, length);
            }
            return (raw, false, length);
        }
        var buffered = new BufferedStream(raw, 1 << 16);
        Span<byte> m = stackalloc byte[2];
        // A non-seekable stream: peek through a small pushback wrapper.
        int got = buffered.ReadAtLeast(m, 2, throwOnEndOfStream: false);
        var replay = new PrefixStream(m[..got].ToArray(), buffered);
        if (got == 2 && m[0] == 0x1f && m[1] == 0x8b)
        {
            return (new GZipStream(replay, CompressionMode.Decompress, leaveOpen: true), true, null);
        }
        return (replay, false, null);
    }

    private static LoadedVolume ReadStreams(Stream headerRaw, Stream? imageRaw, string source, VolumeReadOptions options)
    {
        var (hs, hGz, hLen) = Open(headerRaw);
        Stream? owned1 = hGz ? hs : null;
        Stream? owned2 = null;
        try
        {
            var reader = new CountingReader(hs, source, hGz);
            Span<byte> hbytes = stackalloc byte[NiftiHeader.Nifti2Size];
            int first = reader.ReadUpTo(hbytes[..4]);
            if (first < 4)
            {
                throw new VolumeFormatException($"{source}: file too short for a NIfTI header ({first} bytes).");
            }
            var sniff = NiftiHeader.Sniff(hbytes[..4]);
            int size = sniff?.Version == 2 ? NiftiHeader.Nifti2Size : NiftiHeader.Nifti1Size;
            int rest = sniff is null ? 0 : reader.ReadUpTo(hbytes[4..size]);
            var h = NiftiHeader.Parse(hbytes[..(4 + rest)], source);
            bool single = imageRaw is null;
            if (single && !h.SingleFile)
            {
                throw new VolumeFormatException($"{source}: the header magic (\"ni{h.Version}\") says the voxels are in a separate .img file, but this is a single .nii file.");
            }
            var layout = Layout.Validate(h, source, options);
            var (affine, _) = NiftiGeometry.BestAffine(h, source);
            (bool scale, double slope, double inter) = Scaling(h, source);

            // Extensions: 4 bytes of "extension" flags after the header, then blocks up to the voxel offset (single
            // file) or the end of the header file (pair).
            long dataOffset;
            IReadOnlyDictionary<int, string>? labels = null;
            Span<byte> extender = stackalloc byte[4];
            int extGot = reader.ReadUpTo(extender);
            if (single)
            {
                long min = h.HeaderSize + 4;
                long vox = VoxOffset(h, source);
                dataOffset = vox == 0 ? min : vox;
                if (vox != 0 && vox < min)
                {
                    throw new VolumeFormatException($"{source}: vox_offset {vox} lies inside the {min}-byte header; a single-file NIfTI-{h.Version} needs at least {min}.");
                }
                if (extGot == 4 && extender[0] != 0)
                {
                    labels = ReadExtensions(reader, dataOffset, h.BigEndian, source);
                }
            }
            else
            {
                dataOffset = VoxOffset(h, source);
                if (extGot == 4 && extender[0] != 0)
                {
                    labels = ReadExtensions(reader, long.MaxValue, h.BigEndian, source);
                }
            }

            // Where the voxel data is, and how much of it we need.
            CountingReader data;
            long? dataLength;
            bool dataGz;
            if (single)
            {
                data = reader;
                dataLength = hLen;
                dataGz = hGz;
            }
            else
            {
                var (istream, iGz, iLen) = Open(imageRaw!);
                owned2 = iGz ? istream : null;
                data = new CountingReader(istream, source + " (.img)", iGz);
                dataLength = iLen;
                dataGz = iGz;
            }
            long start, end;
            try
            {
                start = checked(dataOffset + (layout.VolumeIndex * layout.VolumeBytes));
                end = checked(start + layout.VolumeBytes);
            }
            catch (OverflowException)
            {
                throw new VolumeFormatException($"{source}: voxel data offset overflows (vox_offset {dataOffset}, volume {layout.VolumeIndex} of {layout.VolumeBytes} bytes).");
            }
            if ((dataGz || dataLength is null) && end > options.MaxDecompressedBytes)
            {
                throw new VolumeFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{source}: reading {layout.Describe()} means decompressing {end} bytes, more than the limit of {options.MaxDecompressedBytes} (VolumeReadOptions.MaxDecompressedBytes; raise it to read larger files)."));
            }
            if (dataLength is long len)
            {
                long limit = dataGz ? checked((len * MaxDeflateRatio) + 4096) : len;
                if (end > limit)
                {
                    throw new VolumeFormatException(dataGz
                        ? $"{source}: the header declares {layout.Describe()} ending at decompressed byte {end}, but a {len}-byte gzip file cannot hold more than about {limit} bytes."
                        : $"{source}: truncated: the header declares {layout.Describe()} ending at byte {end}, but the file has only {len} bytes.");
                }
            }
            data.SkipTo(start, "the start of the voxel data");
            float[] voxels = ReadVoxels(data, layout, scale, slope, inter, h.BigEndian != !BitConverter.IsLittleEndian, dataGz || dataLength is null);
            var volume = new Volume<float>(layout.Shape, affine, voxels);
            return new LoadedVolume(volume, new StoredDataType(NiftiDataTypes.Name(layout.Type)), source, labels);
        }
        catch (InvalidDataException ex)
        {
            throw new VolumeFormatException($"{source}: corrupt gzip data: {ex.Message}", ex);
        }
        catch (IOException ex) when (hGz || owned2 is not null)
        {
            throw new VolumeFormatException($"{source}: could not decompress: {ex.Message}", ex);
        }
        finally
        {
            owned2?.Dispose();
            owned1?.Dispose();
        }
    }

    private static long VoxOffset(NiftiHeader h, string source)
    {
        double v = h.VoxOffset;
        if (!double.IsFinite(v) || v < 0 || v != Math.Floor(v) || v > (1L << 50))
        {
            throw new VolumeFormatException($"{source}: vox_offset {v} is not a valid byte offset (a non-negative whole number).");
        }
        return (long)v;
    }

    private static (bool Scale, double Slope, double Inter) Scaling(NiftiHeader h, string source)
    {
        double slope = h.SclSlope, inter = h.SclInter;
        if (slope == 0 || !double.IsFinite(slope))
        {
            return (false, 1, 0);
        }
        if (!double.IsFinite(inter))
        {
            throw new VolumeFormatException($"{source}: scl_slope is {slope} but scl_inter is {inter}; the intercept must be finite.");
        }
        return (slope != 1 || inter != 0, slope, inter);
    }

    /// <summary>Reads NIfTI extensions up to <paramref name="end"/>; returns label names from a ThighSeg label extension, if any.</summary>
    private static IReadOnlyDictionary<int, string>? ReadExtensions(CountingReader r, long end, bool bigEndian, string source)
    {
        IReadOnlyDictionary<int, string>? labels = null;
        Span<byte> head = stackalloc byte[8];
        while (end - r.Position >= 8)
        {
            long at = r.Position;
            if (r.ReadUpTo(head) < 8)
            {
                break; // a header file that simply ends: no more extensions
            }
            int esize = bigEndian ? System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head) : System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(head);
            int ecode = bigEndian ? System.Buffers.Binary.BinaryPrimitives.ReadInt32BigEndian(head[4..]) : System.Buffers.Binary.BinaryPrimitives.ReadInt32LittleEndian(head[4..]);
            if (esize < 8 || (long)esize > end - at)
            {
                throw new VolumeFormatException($"{source}: extension at byte {at} has esize {esize}, which does not fit between 8 and the {(end == long.MaxValue ? "end of the header" : $"voxel offset {end}")}.");
            }
            int payload = esize - 8;
            if (ecode == NiftiLabelExtension.ECode && payload <= MaxExtensionPayload)
            {
                var bytes = new byte[payload];
                // payload is bounded by the voxel offset, which the file must reach anyway; MaxExtensionPayload caps it.
                if (r.ReadUpTo(bytes) < payload)
                {
                    throw new VolumeFormatException($"{source}: truncated extension at byte {at} (esize {esize}).");
                }
                labels = NiftiLabelExtension.TryParse(bytes, source) ?? labels;
            }
            else
            {
                r.SkipTo(at + esize, $"the end of the extension at byte {at}");
            }
        }
        return labels;
    }

    private static float[] ReadVoxels(CountingReader r, Layout layout, bool scale, double slope, double inter, bool swap, bool untrustedLength)
    {
        long total = layout.VolumeBytes;
        int bpp = layout.BytesPerVoxel;
        if (!untrustedLength)
        {
            // The file length was checked: allocate now and convert chunk by chunk from one pooled buffer.
            var output = new float[layout.Shape.VoxelCount];
            byte[] buffer = ArrayPool<byte>.Shared.Rent((int)Math.Min(ChunkSize, total));
            try
            {
                long done = 0;
                while (done < total)
                {
                    int want = (int)Math.Min(ChunkSize, total - done);
                    r.ReadExactly(buffer.AsSpan(0, want), "voxel data");
                    VoxelConverter.Convert(buffer.AsSpan(0, want), output.AsSpan((int)(done / bpp), want / bpp), layout.Type, swap, scale, slope, inter);
                    done += want;
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
            return output;
        }

        // Untrusted length (gzip or unknown): decompress into pooled chunks first, allocate the output only when all
        // the declared bytes have really arrived.
        var chunks = new List<byte[]>();
        try
        {
            long got = 0;
            while (got < total)
            {
                int want = (int)Math.Min(ChunkSize, total - got);
                byte[] chunk = ArrayPool<byte>.Shared.Rent(want);
                chunks.Add(chunk);
                r.ReadExactly(chunk.AsSpan(0, want), "voxel data");
                got += want;
            }
            var output = new float[layout.Shape.VoxelCount];
            long done = 0;
            foreach (byte[] chunk in chunks)
            {
                int n = (int)Math.Min(ChunkSize, total - done);
                VoxelConverter.Convert(chunk.AsSpan(0, n), output.AsSpan((int)(done / bpp), n / bpp), layout.Type, swap, scale, slope, inter);
                done += n;
            }
            return output;
        }
        finally
        {
            foreach (byte[] chunk in chunks)
            {
                ArrayPool<byte>.Shared.Return(chunk);
            }
        }
    }

    /// <summary>The validated shape, datatype and volume selection of a header.</summary>
    private sealed record Layout(VolumeShape Shape, NiftiDataType Type, int BytesPerVoxel, long VolumeBytes, long Volumes, long VolumeIndex)
    {
        public string Describe() => $"{Volumes} volume(s) of {Shape} {NiftiDataTypes.Name(Type)} voxels";

        public static Layout Validate(NiftiHeader h, string source, VolumeReadOptions options)
        {
            long ndim = h.Dim[0];
            if (ndim is < 1 or > 7)
            {
                throw new VolumeFormatException($"{source}: dim[0] = {ndim}; the number of dimensions must be 1 to 7.");
            }
            for (int i = 1; i <= ndim; i++)
            {
                if (h.Dim[i] < 1)
                {
                    throw new VolumeFormatException($"{source}: dim[{i}] = {h.Dim[i]}; every dimension must be at least 1.");
                }
            }
            long D(int i) => i <= ndim ? h.Dim[i] : 1;
            for (int i = 5; i <= ndim; i++)
            {
                if (h.Dim[i] != 1)
                {
                    throw new VolumeFormatException($"{source}: dim[{i}] = {h.Dim[i]}; ThighSeg reads 3D and 4D images only (dim[5..7] must be 1).");
                }
            }
            long nx = D(1), ny = D(2), nz = D(3), nt = D(4);
            if (nx > int.MaxValue || ny > int.MaxValue || nz > int.MaxValue)
            {
                throw new VolumeFormatException($"{source}: dimensions {nx}x{ny}x{nz} are too large.");
            }
            if (!NiftiDataTypes.IsSupported(h.DataTypeCode))
            {
                throw new VolumeFormatException($"{source}: datatype {NiftiDataTypes.Describe(h.DataTypeCode)} is not supported; ThighSeg reads uint8, int8, int16, uint16, int32, uint32, float32 and float64.");
            }
            var type = (NiftiDataType)h.DataTypeCode;
            int bpp = NiftiDataTypes.BytesPerVoxel(type);
            var shape = new VolumeShape((int)nx, (int)ny, (int)nz);
            if ((double)nx * ny * nz > Array.MaxLength)
            {
                throw new VolumeFormatException($"{source}: a {nx}x{ny}x{nz} volume has more voxels than one array can hold.");
            }
            if (shape.VoxelCount > options.MaxVoxels)
            {
                throw new VolumeFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{source}: the header declares {nx}x{ny}x{nz} = {shape.VoxelCount} voxels, more than the limit of {options.MaxVoxels} (VolumeReadOptions.MaxVoxels; raise it to read larger volumes)."));
            }
            long volumeBytes = shape.VoxelCount * bpp;
            if (volumeBytes > options.MaxDecompressedBytes)
            {
                throw new VolumeFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{source}: the header declares {nx}x{ny}x{nz} {NiftiDataTypes.Name(type)} voxels = {volumeBytes} bytes, more than the limit of {options.MaxDecompressedBytes} (VolumeReadOptions.MaxDecompressedBytes; raise it to read larger files)."));
            }
            long index;
            if (nt > 1)
            {
                if (options.VolumeIndex is not int t)
                {
                    throw new VolumeFormatException($"{source}: 4D image with {nt} volumes of {shape}; choose one with VolumeReadOptions.VolumeIndex (0 to {nt - 1}).");
                }
                if (t < 0 || t >= nt)
                {
                    throw new VolumeFormatException($"{source}: volume index {t} is out of range; the file has {nt} volumes (0 to {nt - 1}).");
                }
                index = t;
            }
            else
            {
                if (options.VolumeIndex is int t && t != 0)
                {
                    throw new VolumeFormatException($"{source}: volume index {t} is out of range; the file holds a single 3D volume (index 0).");
                }
                index = 0;
            }
            return new Layout(shape, type, bpp, volumeBytes, nt, index);
        }
    }

    /// <summary>Sequential reading with a byte count, truncation checks and error messages naming the source.</summary>
    private sealed class CountingReader(Stream stream, string source, bool gzip)
    {
        public long Position { get; private set; }

        public int ReadUpTo(Span<byte> buffer)
        {
            int n = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            Position += n;
            return n;
        }

        public void ReadExactly(Span<byte> buffer, string what)
        {
            int n = ReadUpTo(buffer);
            if (n < buffer.Length)
            {
                throw new VolumeFormatException($"{source}: truncated {(gzip ? "(decompressed) " : "")}{what}: the data ends at byte {Position}, {buffer.Length - n} bytes short.");
            }
        }

        public void SkipTo(long target, string what)
        {
            if (target < Position)
            {
                throw new VolumeFormatException($"{source}: {what} (byte {target}) lies before the current position {Position}; the header and extensions overlap the voxel data.");
            }
            if (target == Position)
            {
                return;
            }
            if (!gzip && stream.CanSeek)
            {
                long remaining = stream.Length - stream.Position;
                if (target - Position > remaining)
                {
                    throw new VolumeFormatException($"{source}: truncated: {what} is at byte {target}, beyond the end of the file.");
                }
                stream.Seek(target - Position, SeekOrigin.Current);
                Position = target;
                return;
            }
            byte[] scratch = ArrayPool<byte>.Shared.Rent(64 * 1024);
            try
            {
                while (Position < target)
                {
                    int want = (int)Math.Min(scratch.Length, target - Position);
                    int n = ReadUpTo(scratch.AsSpan(0, want));
                    if (n < want)
                    {
                        throw new VolumeFormatException($"{source}: truncated {(gzip ? "(decompressed) " : "")}data: {what} is at byte {target}, but the data ends at byte {Position}.");
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }
        }
    }

    /// <summary>Replays a few already-read bytes, then continues with the inner stream (used to sniff non-seekable streams).</summary>
    private sealed class PrefixStream(byte[] prefix, Stream inner) : Stream
    {
        private int _pos;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_pos < prefix.Length)
            {
                int n = Math.Min(buffer.Length, prefix.Length - _pos);
                prefix.AsSpan(_pos, n).CopyTo(buffer);
                _pos += n;
                return n;
            }
            return inner.Read(buffer);
        }

        public override void Flush() { }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
