namespace ThighSeg.IO.Dicom;

/// <summary>Transfer syntaxes and SOP classes that ThighSeg names in its messages (PS3.6 Annex A).</summary>
internal static class DicomUids
{
    public const string ImplicitVrLittleEndian = "1.2.840.10008.1.2";
    public const string ExplicitVrLittleEndian = "1.2.840.10008.1.2.1";
    public const string DeflatedExplicitVrLittleEndian = "1.2.840.10008.1.2.1.99";
    public const string ExplicitVrBigEndian = "1.2.840.10008.1.2.2";
    public const string MediaStorageDirectory = "1.2.840.10008.1.3.10";

    private static readonly Dictionary<string, string> TransferSyntaxNames = new(StringComparer.Ordinal)
    {
        [ImplicitVrLittleEndian] = "Implicit VR Little Endian",
        [ExplicitVrLittleEndian] = "Explicit VR Little Endian",
        [DeflatedExplicitVrLittleEndian] = "Deflated Explicit VR Little Endian",
        [ExplicitVrBigEndian] = "Explicit VR Big Endian (retired)",
        ["1.2.840.10008.1.2.1.98"] = "Encapsulated Uncompressed Explicit VR Little Endian",
        ["1.2.840.10008.1.2.4.50"] = "JPEG Baseline (Process 1)",
        ["1.2.840.10008.1.2.4.51"] = "JPEG Extended (Process 2 & 4)",
        ["1.2.840.10008.1.2.4.57"] = "JPEG Lossless, Non-Hierarchical (Process 14)",
        ["1.2.840.10008.1.2.4.70"] = "JPEG Lossless, Non-Hierarchical, First-Order Prediction (Process 14, Selection Value 1)",
        ["1.2.840.10008.1.2.4.80"] = "JPEG-LS Lossless",
        ["1.2.840.10008.1.2.4.81"] = "JPEG-LS Lossy (Near-Lossless)",
        ["1.2.840.10008.1.2.4.90"] = "JPEG 2000 Image Compression (Lossless Only)",
        ["1.2.840.10008.1.2.4.91"] = "JPEG 2000 Image Compression",
        ["1.2.840.10008.1.2.4.92"] = "JPEG 2000 Part 2 Multi-component Image Compression (Lossless Only)",
        ["1.2.840.10008.1.2.4.93"] = "JPEG 2000 Part 2 Multi-component Image Compression",
        ["1.2.840.10008.1.2.4.94"] = "JPIP Referenced",
        ["1.2.840.10008.1.2.4.95"] = "JPIP Referenced Deflate",
        ["1.2.840.10008.1.2.4.100"] = "MPEG2 Main Profile / Main Level",
        ["1.2.840.10008.1.2.4.101"] = "MPEG2 Main Profile / High Level",
        ["1.2.840.10008.1.2.4.102"] = "MPEG-4 AVC/H.264 High Profile / Level 4.1",
        ["1.2.840.10008.1.2.4.103"] = "MPEG-4 AVC/H.264 BD-compatible High Profile / Level 4.1",
        ["1.2.840.10008.1.2.4.104"] = "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 2D Video",
        ["1.2.840.10008.1.2.4.105"] = "MPEG-4 AVC/H.264 High Profile / Level 4.2 For 3D Video",
        ["1.2.840.10008.1.2.4.106"] = "MPEG-4 AVC/H.264 Stereo High Profile / Level 4.2",
        ["1.2.840.10008.1.2.4.107"] = "HEVC/H.265 Main Profile / Level 5.1",
        ["1.2.840.10008.1.2.4.108"] = "HEVC/H.265 Main 10 Profile / Level 5.1",
        ["1.2.840.10008.1.2.4.110"] = "JPEG XL Lossless",
        ["1.2.840.10008.1.2.4.111"] = "JPEG XL JPEG Recompression",
        ["1.2.840.10008.1.2.4.112"] = "JPEG XL",
        ["1.2.840.10008.1.2.4.201"] = "High-Throughput JPEG 2000 Image Compression (Lossless Only)",
        ["1.2.840.10008.1.2.4.202"] = "High-Throughput JPEG 2000 with RPCL Options Image Compression (Lossless Only)",
        ["1.2.840.10008.1.2.4.203"] = "High-Throughput JPEG 2000 Image Compression",
        ["1.2.840.10008.1.2.5"] = "RLE Lossless",
        ["1.2.840.10008.1.2.6.1"] = "RFC 2557 MIME encapsulation (retired)",
        ["1.2.840.10008.1.2.6.2"] = "XML Encoding (retired)",
    };

    private static readonly Dictionary<string, string> SopClassNames = new(StringComparer.Ordinal)
    {
        ["1.2.840.10008.5.1.4.1.1.1"] = "Computed Radiography Image Storage",
        ["1.2.840.10008.5.1.4.1.1.2"] = "CT Image Storage",
        ["1.2.840.10008.5.1.4.1.1.2.1"] = "Enhanced CT Image Storage",
        ["1.2.840.10008.5.1.4.1.1.2.2"] = "Legacy Converted Enhanced CT Image Storage",
        ["1.2.840.10008.5.1.4.1.1.3.1"] = "Ultrasound Multi-frame Image Storage",
        ["1.2.840.10008.5.1.4.1.1.4"] = "MR Image Storage",
        ["1.2.840.10008.5.1.4.1.1.4.1"] = "Enhanced MR Image Storage",
        ["1.2.840.10008.5.1.4.1.1.4.2"] = "MR Spectroscopy Storage",
        ["1.2.840.10008.5.1.4.1.1.4.3"] = "Enhanced MR Color Image Storage",
        ["1.2.840.10008.5.1.4.1.1.4.4"] = "Legacy Converted Enhanced MR Image Storage",
        ["1.2.840.10008.5.1.4.1.1.6.1"] = "Ultrasound Image Storage",
        ["1.2.840.10008.5.1.4.1.1.7"] = "Secondary Capture Image Storage",
        ["1.2.840.10008.5.1.4.1.1.7.1"] = "Multi-frame Single Bit Secondary Capture Image Storage",
        ["1.2.840.10008.5.1.4.1.1.7.2"] = "Multi-frame Grayscale Byte Secondary Capture Image Storage",
        ["1.2.840.10008.5.1.4.1.1.7.3"] = "Multi-frame Grayscale Word Secondary Capture Image Storage",
        ["1.2.840.10008.5.1.4.1.1.7.4"] = "Multi-frame True Color Secondary Capture Image Storage",
        ["1.2.840.10008.5.1.4.1.1.12.1"] = "X-Ray Angiographic Image Storage",
        ["1.2.840.10008.5.1.4.1.1.12.2"] = "X-Ray Radiofluoroscopic Image Storage",
        ["1.2.840.10008.5.1.4.1.1.13.1.1"] = "X-Ray 3D Angiographic Image Storage",
        ["1.2.840.10008.5.1.4.1.1.13.1.3"] = "Breast Tomosynthesis Image Storage",
        ["1.2.840.10008.5.1.4.1.1.20"] = "Nuclear Medicine Image Storage",
        ["1.2.840.10008.5.1.4.1.1.66.4"] = "Segmentation Storage",
        ["1.2.840.10008.5.1.4.1.1.77.1.6"] = "VL Whole Slide Microscopy Image Storage",
        ["1.2.840.10008.5.1.4.1.1.128"] = "Positron Emission Tomography Image Storage",
        ["1.2.840.10008.5.1.4.1.1.128.1"] = "Legacy Converted Enhanced PET Image Storage",
        ["1.2.840.10008.5.1.4.1.1.130"] = "Enhanced PET Image Storage",
        ["1.2.840.10008.5.1.4.1.1.481.1"] = "RT Image Storage",
        ["1.2.840.10008.5.1.4.1.1.481.2"] = "RT Dose Storage",
        [MediaStorageDirectory] = "Media Storage Directory Storage (DICOMDIR)",
    };

    /// <summary>Enhanced (functional-group) image classes: their geometry lives in per-frame sequences ThighSeg does not read.</summary>
    private static readonly HashSet<string> EnhancedSopClasses = new(StringComparer.Ordinal)
    {
        "1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.2.2", "1.2.840.10008.5.1.4.1.1.4.1",
        "1.2.840.10008.5.1.4.1.1.4.3", "1.2.840.10008.5.1.4.1.1.4.4", "1.2.840.10008.5.1.4.1.1.128.1",
        "1.2.840.10008.5.1.4.1.1.130", "1.2.840.10008.5.1.4.1.1.13.1.1", "1.2.840.10008.5.1.4.1.1.13.1.3",
        "1.2.840.10008.5.1.4.1.1.66.4", "1.2.840.10008.5.1.4.1.1.77.1.6",
    };

    /// <summary>Enhanced and legacy converted MR, CT and PET: greyscale volumes whose per-frame geometry ThighSeg reads from functional groups.</summary>
    private static readonly HashSet<string> FunctionalGroupVolumeClasses = new(StringComparer.Ordinal)
    {
        "1.2.840.10008.5.1.4.1.1.4.1", "1.2.840.10008.5.1.4.1.1.4.4", "1.2.840.10008.5.1.4.1.1.2.1", "1.2.840.10008.5.1.4.1.1.2.2",
        "1.2.840.10008.5.1.4.1.1.130", "1.2.840.10008.5.1.4.1.1.128.1",
    };

    /// <summary>True for the enhanced MR/CT/PET classes read as volumes from their functional groups.</summary>
    public static bool IsFunctionalGroupVolume(string? sopClass) => sopClass is not null && FunctionalGroupVolumeClasses.Contains(sopClass);

    /// <summary>The encoding of a transfer syntax ThighSeg decodes, or null when it is compressed or unknown.</summary>
    public static DicomEncoding? NativeEncoding(string transferSyntax) => transferSyntax switch
    {
        ImplicitVrLittleEndian => DicomEncoding.ImplicitLittle,
        ExplicitVrLittleEndian or DeflatedExplicitVrLittleEndian => DicomEncoding.ExplicitLittle,
        ExplicitVrBigEndian => DicomEncoding.ExplicitBig,
        _ => null,
    };

    /// <summary>True for a known transfer syntax whose dataset is explicit VR little endian with encapsulated pixel data.</summary>
    public static bool IsEncapsulated(string transferSyntax) =>
        transferSyntax != DicomUids.DeflatedExplicitVrLittleEndian && NativeEncoding(transferSyntax) is null
        && transferSyntax != "1.2.840.10008.1.2.4.95" && TransferSyntaxNames.ContainsKey(transferSyntax)
        && !transferSyntax.StartsWith("1.2.840.10008.1.2.6.", StringComparison.Ordinal);

    /// <summary>"uid (name)" for a transfer syntax, or "uid (unknown transfer syntax)".</summary>
    public static string DescribeTransferSyntax(string uid) =>
        TransferSyntaxNames.TryGetValue(uid, out string? name) ? $"{uid} ({name})" : $"{uid} (unknown transfer syntax)";

    /// <summary>"uid (name)" for a SOP class, or the bare UID when it is not in ThighSeg's table.</summary>
    public static string DescribeSopClass(string? uid) =>
        string.IsNullOrEmpty(uid) ? "(no SOP Class UID)"
        : SopClassNames.TryGetValue(uid, out string? name) ? $"{uid} ({name})" : uid;

    /// <summary>True for enhanced multi-frame SOP classes whose geometry is in functional-group sequences.</summary>
    public static bool IsEnhanced(string? sopClass) => sopClass is not null && EnhancedSopClasses.Contains(sopClass);
}
