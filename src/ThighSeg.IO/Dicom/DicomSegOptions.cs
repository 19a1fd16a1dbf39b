using System.Reflection;
using System.Text.RegularExpressions;

namespace ThighSeg.IO.Dicom;

/// <summary>What a DICOM-SEG written by <see cref="DicomSegWriter"/> says about itself. Immutable; validated by <see cref="Validate"/>.</summary>
public sealed partial record DicomSegOptions
{
    /// <summary>Series Description of the new SEG series (LO, at most 64 characters).</summary>
    public string SeriesDescription { get; init; } = "ThighSeg thigh muscle segmentation";

    /// <summary>Series Number of the new SEG series (1 to 2147483647).</summary>
    public int SeriesNumber { get; init; } = 9901;

    /// <summary>Instance Number of the SEG object.</summary>
    public int InstanceNumber { get; init; } = 1;

    /// <summary>Content Label (CS: upper-case letters, digits, space and underscore; at most 16 characters).</summary>
    public string ContentLabel { get; init; } = "THIGHSEG";

    /// <summary>Content Description (LO), or null for none.</summary>
    public string? ContentDescription { get; init; } = "Automatic thigh muscle segmentation";

    /// <summary>Algorithm name in each segment's algorithm identification (LO).</summary>
    public string AlgorithmName { get; init; } = "ThighSeg";

    /// <summary>Algorithm version (LO); defaults to ThighSeg.IO's informational version.</summary>
    public string AlgorithmVersion { get; init; } = DefaultVersion();

    /// <summary>Manufacturer of the equipment (software) that made the SEG.</summary>
    public string Manufacturer { get; init; } = "ThighSeg";

    /// <summary>Manufacturer's Model Name.</summary>
    public string ManufacturerModelName { get; init; } = "ThighSeg";

    /// <summary>Device Serial Number (type 1 in the Enhanced General Equipment module).</summary>
    public string DeviceSerialNumber { get; init; } = "1";

    /// <summary>The Series Instance UID of the new series, or null to generate one.</summary>
    public string? SeriesInstanceUid { get; init; }

    /// <summary>The SOP Instance UID of the SEG, or null to generate one.</summary>
    public string? SopInstanceUid { get; init; }

    /// <summary>How labels are coded; defaults to <see cref="SegmentCodeTable.Default"/>.</summary>
    public SegmentCodeTable Codes { get; init; } = SegmentCodeTable.Default;

    /// <summary>Defaults.</summary>
    public static DicomSegOptions Default { get; } = new();

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException">A value DICOM cannot hold; the message names the property and the value.</exception>
    public void Validate()
    {
        Lo(SeriesDescription, nameof(SeriesDescription));
        Lo(AlgorithmName, nameof(AlgorithmName));
        Lo(AlgorithmVersion, nameof(AlgorithmVersion));
        Lo(Manufacturer, nameof(Manufacturer));
        Lo(ManufacturerModelName, nameof(ManufacturerModelName));
        Lo(DeviceSerialNumber, nameof(DeviceSerialNumber));
        if (ContentDescription is not null)
        {
            Lo(ContentDescription, nameof(ContentDescription), allowEmpty: true);
        }
        if (SeriesNumber < 1)
        {
            throw new ArgumentException($"{nameof(SeriesNumber)} must be positive, got {SeriesNumber}.", nameof(SeriesNumber));
        }
        if (InstanceNumber < 1)
        {
            throw new ArgumentException($"{nameof(InstanceNumber)} must be positive, got {InstanceNumber}.", nameof(InstanceNumber));
        }
        if (!CodeString().IsMatch(ContentLabel ?? string.Empty))
        {
            throw new ArgumentException($"{nameof(ContentLabel)} '{ContentLabel}' must be 1 to 16 upper-case letters, digits, spaces or underscores.", nameof(ContentLabel));
        }
        Uid(SeriesInstanceUid, nameof(SeriesInstanceUid));
        Uid(SopInstanceUid, nameof(SopInstanceUid));
        ArgumentNullException.ThrowIfNull(Codes, nameof(Codes));
    }

    internal static void Uid(string? uid, string name)
    {
        if (uid is not null && (uid.Length is 0 or > 64 || !UidPattern().IsMatch(uid)))
        {
            throw new ArgumentException($"{name} '{uid}' is not a DICOM UID (digits and dots, at most 64 characters, no leading zeros).", name);
        }
    }

    private static void Lo(string? value, string name, bool allowEmpty = false)
    {
        if (value is null || (!allowEmpty && value.Trim().Length == 0) || value.Length > 64 || value.Contains('\\', StringComparison.Ordinal) || value.Any(char.IsControl))
        {
            throw new ArgumentException($"{name} '{value}' must be 1 to 64 characters without backslashes or control characters.", name);
        }
    }

    private static string DefaultVersion()
    {
        string v = typeof(DicomSegOptions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0";
        int plus = v.IndexOf('+', StringComparison.Ordinal);
        return plus > 0 ? v[..plus] : v;
    }

    [GeneratedRegex("^[A-Z0-9 _]{1,16}$")]
    private static partial Regex CodeString();

    [GeneratedRegex(@"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))*$")]
    private static partial Regex UidPattern();
}
