using System.Text.Json;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Dicom;

namespace ThighSeg.IO.Tests.Dicom;

/// <summary>
/// Compressed and enhanced multi-frame series made by independent tools (tests/reference/compressed_series.py: pydicom
/// writes the series, dcmtk's dcmcrle/dcmcjpeg and gdcm's gdcmconv compress it, pydicom writes Enhanced MR objects,
/// dcm2niix converts them): lossless syntaxes must give exactly the voxels of the uncompressed series, lossy ones stay
/// within the codec's tolerance of dcmtk's own decompression, and the geometry must equal dcm2niix's.
/// </summary>
[TestFixture]
[Category("Slow")] // dcmtk/gdcm/dcm2niix runs: about 15 s on a loaded 2-core machine
public sealed class CompressedSeriesTests
{
    private string _work = null!;
    private JsonElement? _sixteen;

    [OneTimeSetUp]
    public void CreateWorkFolder() => _work = Directory.CreateTempSubdirectory("thighseg-compressed-").FullName;

    [OneTimeTearDown]
    public void DeleteWorkFolder() => Directory.Delete(_work, recursive: true);

    private JsonElement Sixteen => _sixteen ??= PythonReference.Run("compressed_series.py", Path.Combine(_work, "16"), "--case", "oblique");

    [TestCase("dcmtk_rle", "1.2.840.10008.1.2.5")]
    [TestCase("gdcm_rle", "1.2.840.10008.1.2.5")]
    [TestCase("dcmtk_jpeg_sv1", "1.2.840.10008.1.2.4.70")]
    [TestCase("dcmtk_jpeg_sv2", "1.2.840.10008.1.2.4.57")]
    [TestCase("dcmtk_jpeg_sv3", "1.2.840.10008.1.2.4.57")]
    [TestCase("dcmtk_jpeg_sv4", "1.2.840.10008.1.2.4.57")]
    [TestCase("dcmtk_jpeg_sv5", "1.2.840.10008.1.2.4.57")]
    [TestCase("dcmtk_jpeg_sv6", "1.2.840.10008.1.2.4.57")]
    [TestCase("dcmtk_jpeg_sv7", "1.2.840.10008.1.2.4.57")]
    [TestCase("dcmtk_jpeg_sv1_fragments", "1.2.840.10008.1.2.4.70")]
    [TestCase("gdcm_jpeg_lossless", "1.2.840.10008.1.2.4.70")]
    public void Read_LosslessSeries_EqualsTheUncompressedSeriesExactly_WithDcm2niixGeometry(string variant, string transferSyntax)
    {
        JsonElement r = Sixteen;
        var original = new DicomSeriesReader().Read(r.GetProperty("series").GetProperty("series_dir").GetString()!);
        var v = r.GetProperty("variants").GetProperty(variant);
        Assert.That(v.GetProperty("transfer_syntax").GetString(), Is.EqualTo(transferSyntax), $"{v.GetProperty("tool").GetString()} wrote another syntax");

        var loaded = new DicomSeriesReader().Read(v.GetProperty("dir").GetString()!);
        Assert.That(loaded.StoredType.Name, Is.EqualTo("int16"));
        AssertSameVoxels(loaded.Image, original.Image, 0);
        AssertAffine(loaded.Image, r.GetProperty("series").GetProperty("affine"));
    }

    [TestCase("gdcm_jpegls", "1.2.840.10008.1.2.4.80 (JPEG-LS Lossless)", "`dcmdjpls in.dcm out.dcm`")]
    [TestCase("gdcm_j2k", "1.2.840.10008.1.2.4.90 (JPEG 2000 Image Compression (Lossless Only))", "`gdcmconv --raw in.dcm out.dcm`")]
    public void Read_JpegLsOrJpeg2000Series_IsRefusedNamingTheSyntaxAndTheConversionCommand(string variant, string syntax, string command)
    {
        string dir = Sixteen.GetProperty("variants").GetProperty(variant).GetProperty("dir").GetString()!;
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(dir));
        Assert.That(ex!.Message, Does.Contain(syntax).And.Contain(command).And.Contain("12 of 12 image(s)"));
    }

    [TestCase("enhanced_shared", true)]
    [TestCase("enhanced_per_frame", false)]
    [TestCase("enhanced_jpeg_sv1", false)]
    [TestCase("enhanced_jpeg_fragments", false)]
    [TestCase("enhanced_rle", false)]
    public void Read_EnhancedMrObject_EqualsTheClassicSeries_WithDcm2niixGeometry(string variant, bool compareOwnDcm2niix)
    {
        JsonElement r = Sixteen;
        var original = new DicomSeriesReader().Read(r.GetProperty("series").GetProperty("series_dir").GetString()!);
        var e = r.GetProperty("enhanced").GetProperty(variant);
        string file = e.GetProperty("file").GetString()!;
        if (e.TryGetProperty("fragments_per_frame", out var fragments) && variant.EndsWith("fragments", StringComparison.Ordinal))
        {
            Assert.That(fragments.GetDouble(), Is.GreaterThan(1), "the fragmented variant should hold several fragments per frame");
        }

        // One file (frames shuffled, geometry in functional groups) and its folder read the same.
        foreach (string path in new[] { file, Path.GetDirectoryName(file)! })
        {
            var loaded = new DicomSeriesReader().Read(path);
            Assert.That(loaded.StoredType.Name, Is.EqualTo("int16"));
            AssertSameVoxels(loaded.Image, original.Image, 0);
            // Same affine as dcm2niix gives for the classic series ...
            AssertAffine(loaded.Image, r.GetProperty("series").GetProperty("affine"));
            if (compareOwnDcm2niix)
            {
                // ... and for this enhanced object itself. (For the per-frame variant dcm2niix 1.0.20220720 takes
                // the 2.0 mm SliceThickness as the slice step against the 2.5 mm of the positions; see docs/dicom.md.)
                Assert.That(e.GetProperty("shape").EnumerateArray().Select(x => x.GetInt32()), Is.EqualTo(new[] { loaded.Image.Shape.X, loaded.Image.Shape.Y, loaded.Image.Shape.Z }));
                AssertAffine(loaded.Image, e.GetProperty("affine"));
                Assert.That(loaded.Image.Data.Sum(f => (double)f), Is.EqualTo(e.GetProperty("sum").GetDouble()).Within(1e-3));
            }
        }
    }

    [TestCase(12, 2)]
    [TestCase(8, 2)]
    public void Read_LowBitSeries_LosslessExactly_LossyWithinTheCodecTolerance(int bits, double lossyStoredTolerance)
    {
        JsonElement r = PythonReference.Run("compressed_series.py", Path.Combine(_work, bits.ToString(System.Globalization.CultureInfo.InvariantCulture)), "--case", "axial", "--bits", bits.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var series = r.GetProperty("series");
        double slope = series.GetProperty("truth").GetProperty("slope").GetDouble();
        var original = new DicomSeriesReader().Read(series.GetProperty("series_dir").GetString()!);
        Assert.That(original.StoredType.Name, Is.EqualTo(bits == 8 ? "uint8" : "uint16"));
        AssertAffine(original.Image, series.GetProperty("affine"));

        foreach (string variant in new[] { "dcmtk_rle", "gdcm_rle", "dcmtk_jpeg_sv1" })
        {
            var loaded = new DicomSeriesReader().Read(r.GetProperty("variants").GetProperty(variant).GetProperty("dir").GetString()!);
            AssertSameVoxels(loaded.Image, original.Image, 0, variant);
            AssertAffine(loaded.Image, series.GetProperty("affine"));
        }

        var lossy = r.GetProperty("variants").GetProperty("dcmtk_jpeg_lossy");
        Assert.That(lossy.GetProperty("transfer_syntax").GetString(), Is.EqualTo(bits == 8 ? "1.2.840.10008.1.2.4.50" : "1.2.840.10008.1.2.4.51"));
        var decoded = new DicomSeriesReader().Read(lossy.GetProperty("dir").GetString()!);
        var ijg = new DicomSeriesReader().Read(lossy.GetProperty("ijg_reference_dir").GetString()!);
        // Against dcmtk's own (IJG) decompression of the same files: only IDCT rounding may differ.
        AssertSameVoxels(decoded.Image, ijg.Image, lossyStoredTolerance * slope, "against dcmdjpeg");
        AssertAffine(decoded.Image, series.GetProperty("affine"));
        // Against the uncompressed original: the codec's own loss (quality 90 on smooth data with 2 % noise; for 8 bits dcmtk's +rm also re-quantises the modality values to integers).
        double range = ((1 << bits) - 1) * slope, worst = 0, total = 0;
        for (int i = 0; i < decoded.Image.Data.Length; i++)
        {
            double d = Math.Abs(decoded.Image.Data[i] - original.Image.Data[i]);
            worst = Math.Max(worst, d);
            total += d;
        }
        TestContext.Out.WriteLine($"{bits}-bit lossy JPEG: largest error {worst / slope} stored units, mean {total / decoded.Image.Data.Length / slope:F3}");
        Assert.That(total / decoded.Image.Data.Length, Is.LessThan(0.02 * range), "mean error of the lossy codec");
        Assert.That(worst, Is.LessThan(0.1 * range), "largest error of the lossy codec");
    }

    private static void AssertSameVoxels(Volume<float> actual, Volume<float> expected, double tolerance, string what = "")
    {
        Assert.That(actual.Shape, Is.EqualTo(expected.Shape), what);
        int mismatches = 0, first = -1;
        for (int i = 0; i < actual.Data.Length; i++)
        {
            if (Math.Abs(actual.Data[i] - expected.Data[i]) > tolerance)
            {
                mismatches++;
                first = first < 0 ? i : first;
            }
        }
        Assert.That(mismatches, Is.Zero,
            $"{what}: {mismatches} voxels differ by more than {tolerance}; the first at {first}: {(first >= 0 ? actual.Data[first] : 0)} vs {(first >= 0 ? expected.Data[first] : 0)}");
    }

    private static void AssertAffine(Volume<float> image, JsonElement affine)
    {
        double[] expected = affine.EnumerateArray().SelectMany(row => row.EnumerateArray().Select(x => x.GetDouble())).ToArray();
        Assert.That(image.Affine.RowMajor.ToArray(), Is.EqualTo(expected).Within(1e-4), $"ThighSeg {image.Affine}");
    }
}
