using System.CommandLine;
using System.Globalization;
using ThighSeg.IO;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// The shared reading options: <c>--volume</c> (4D index), <c>--series</c> (DICOM SeriesInstanceUID) and the read limits
/// <c>--max-voxels</c> and <c>--max-decompressed-mb</c> (the library's <see cref="VolumeReadOptions.MaxVoxels"/> and
/// <see cref="VolumeReadOptions.MaxDecompressedBytes"/>).
/// </summary>
internal static class VolumeOptions
{
    public static Option<int?> CreateVolume() => new("--volume")
    {
        Description = "For 4D NIfTI files: the 0-based volume to read (required when the file has several).",
    };

    public static Option<string?> CreateSeries() => new("--series")
    {
        Description = "For DICOM folders holding several series: the SeriesInstanceUID to read.",
    };

    public static Option<long?> CreateMaxVoxels() => new("--max-voxels")
    {
        Description = string.Create(CultureInfo.InvariantCulture,
            $"Largest volume read, in voxels (default {VolumeReadOptions.DefaultMaxVoxels}, 1 GiB as float32); raise it for larger scans."),
    };

    public static Option<long?> CreateMaxDecompressedMb() => new("--max-decompressed-mb")
    {
        Description = string.Create(CultureInfo.InvariantCulture,
            $"Largest data inflated from a gzip NIfTI or deflated DICOM file, in MiB (default {VolumeReadOptions.DefaultMaxDecompressedBytes >> 20})."),
    };

    /// <summary>The read limits' flags: library messages name the option, the CLI names the flag.</summary>
    public static string WithFlagHints(string message) =>
        message.Contains("VolumeReadOptions.MaxVoxels", StringComparison.Ordinal) ? message + " (pass --max-voxels N)"
        : message.Contains("VolumeReadOptions.MaxDecompressedBytes", StringComparison.Ordinal) ? message + " (pass --max-decompressed-mb N)"
        : message;

    public static VolumeReadOptions Read(ParseResult parse, Option<int?> volume, Option<string?> series, Option<long?>? maxVoxels = null, Option<long?>? maxDecompressedMb = null)
    {
        int? v = parse.GetValue(volume);
        if (v is < 0)
        {
            throw new UsageException($"--volume must be 0 or more, got {v}.");
        }
        var options = new VolumeReadOptions { VolumeIndex = v, SeriesInstanceUid = parse.GetValue(series) };
        if (maxVoxels is not null && parse.GetValue(maxVoxels) is long voxels)
        {
            options = Flag.Bind(maxVoxels, voxels, nameof(VolumeReadOptions.MaxVoxels), () => options with { MaxVoxels = voxels });
        }
        if (maxDecompressedMb is not null && parse.GetValue(maxDecompressedMb) is long mb)
        {
            if (mb > long.MaxValue >> 20)
            {
                throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"{maxDecompressedMb.Name} {mb}: too large."));
            }
            options = Flag.Bind(maxDecompressedMb, mb, nameof(VolumeReadOptions.MaxDecompressedBytes), () => options with { MaxDecompressedBytes = mb << 20 });
        }
        return options;
    }
}
