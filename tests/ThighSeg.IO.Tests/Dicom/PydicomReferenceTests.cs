using System.Text.Json;
using ThighSeg.IO.Dicom;

namespace ThighSeg.IO.Tests.Dicom;

/// <summary>
/// ThighSeg's reader against pydicom + numpy on real third-party files shipped with python3-pydicom
/// (tests/reference/dicom_reference.py records what each file must give, or that it must be refused).
/// </summary>
[TestFixture]
public sealed class PydicomReferenceTests
{
    private static readonly Lazy<JsonElement> Reference = new(() => PythonReference.Run("dicom_reference.py"));
    private static readonly Lazy<JsonElement> WholeSet = new(() => PythonReference.Run("dicom_reference.py", "--all"));

    /// <summary>Largest difference (in stored units) allowed against dcmdjpeg for DCT-based JPEG: the IDCTs differ in rounding.</summary>
    private const double LossyStoredTolerance = 2;

    private static JsonElement Record(string name)
    {
        foreach (var f in Reference.Value.GetProperty("files").EnumerateArray())
        {
            if (f.GetProperty("name").GetString() == name)
            {
                return f;
            }
        }
        Assert.Ignore($"{name} is not shipped by this pydicom version");
        return default;
    }

    [Test]
    public void Reference_CoversAtLeastTenRealFiles()
    {
        var files = Reference.Value.GetProperty("files").EnumerateArray().ToList();
        Assert.That(files, Has.Count.GreaterThanOrEqualTo(10));
        Assert.That(files.Count(f => f.GetProperty("expect").GetString() == "read"), Is.GreaterThanOrEqualTo(8));
    }

    [TestCase("MR_small.dcm")]
    [TestCase("MR_small_implicit.dcm")]
    [TestCase("MR_small_bigendian.dcm")]
    [TestCase("MR_small_expb.dcm")]
    [TestCase("MR_small_padded.dcm")]
    [TestCase("CT_small.dcm")]
    [TestCase("image_dfl.dcm")]
    [TestCase("rtdose_1frame.dcm")]
    [TestCase("rtdose_expb_1frame.dcm")]
    [TestCase("MR_small_RLE.dcm")]
    [TestCase("rtdose_rle_1frame.dcm")]
    [TestCase("JPEG-lossy.dcm")]
    [TestCase("JPGExtended.dcm")]
    public void Read_MatchesPydicom_OnValuesSpacingAndWorldCoordinates(string name)
    {
        var r = Record(name);
        Assert.That(r.GetProperty("expect").GetString(), Is.EqualTo("read"), r.ToString());
        var v = new DicomSeriesReader().Read(r.GetProperty("path").GetString()!);
        int rows = r.GetProperty("rows").GetInt32(), cols = r.GetProperty("cols").GetInt32();
        var img = v.Image;
        double tolerance = Tolerance(r);
        Assert.That(MaxDifference(r, img), Is.LessThanOrEqualTo(tolerance), "largest voxel difference against the reference array");
        Assert.That(img.Shape, Is.EqualTo(new Core.Volumes.VolumeShape(cols, rows, 1)));

        if (r.GetProperty("pixel_spacing").ValueKind == JsonValueKind.Array)
        {
            // PixelSpacing = [between rows, between columns]: x (columns) gets the second value.
            double rowSpacing = r.GetProperty("pixel_spacing")[0].GetDouble(), colSpacing = r.GetProperty("pixel_spacing")[1].GetDouble();
            Assert.That(img.Spacing.X, Is.EqualTo(colSpacing).Within(1e-4));
            Assert.That(img.Spacing.Y, Is.EqualTo(rowSpacing).Within(1e-4));
        }

        double sum = 0;
        float min = float.MaxValue, max = float.MinValue;
        foreach (float f in img.Data)
        {
            sum += f;
            min = Math.Min(min, f);
            max = Math.Max(max, f);
        }
        double refSum = r.GetProperty("sum").GetDouble();
        Assert.That(sum, Is.EqualTo(refSum).Within(Math.Max(1e-6 * Math.Abs(refSum), 1e-3) + (tolerance * img.Data.Length)), "rescaled voxel sum");
        Assert.That(min, Is.EqualTo((float)r.GetProperty("min").GetDouble()).Within(tolerance), "min");
        Assert.That(max, Is.EqualTo((float)r.GetProperty("max").GetDouble()).Within(tolerance), "max");

        foreach (var s in r.GetProperty("samples").EnumerateArray())
        {
            int row = s.GetProperty("row").GetInt32(), col = s.GetProperty("col").GetInt32();
            int y = rows - 1 - row; // ThighSeg (like dcm2niix) stores rows bottom-up
            Assert.That(img[col, y, 0], Is.EqualTo((float)s.GetProperty("value").GetDouble()).Within(tolerance), $"value at stored row {row}, col {col}");
            if (s.TryGetProperty("ras", out var ras))
            {
                var w = img.Affine.Apply(col, y, 0);
                Assert.That(new[] { w.X, w.Y, w.Z },
                    Is.EqualTo(new[] { ras[0].GetDouble(), ras[1].GetDouble(), ras[2].GetDouble() }).Within(1e-4),
                    $"RAS centre of stored row {row}, col {col}");
            }
        }
    }

    [TestCase("MR_truncated.dcm", "exceeds")]
    [TestCase("MR_small_jp2klossless.dcm", "1.2.840.10008.1.2.4.90 (JPEG 2000 Image Compression (Lossless Only)) is not supported: no maintained managed JPEG 2000 decoder")]
    [TestCase("MR_small_jp2klossless.dcm", "`gdcmconv --raw in.dcm out.dcm`")]
    [TestCase("MR_small_jpeg_ls_lossless.dcm", "1.2.840.10008.1.2.4.80 (JPEG-LS Lossless) is not supported")]
    [TestCase("MR_small_jpeg_ls_lossless.dcm", "`dcmdjpls in.dcm out.dcm`")]
    [TestCase("JPEG2000.dcm", "1.2.840.10008.1.2.4.91 (JPEG 2000 Image Compression)")]
    [TestCase("rtdose.dcm", "RT Dose Storage")]
    [TestCase("SC_rgb_small_odd.dcm", "SamplesPerPixel is 3")]
    [TestCase("liver_1frame.dcm", "Segmentation Storage")]
    [TestCase("ExplVR_LitEndNoMeta.dcm", "no pixel data")]
    [TestCase("no_meta.dcm", "")]
    public void Read_RefusesWhatPydicomCannotDecodeOrWeDoNotSupport(string name, string messagePart)
    {
        var r = Record(name);
        Assert.That(r.GetProperty("expect").GetString(), Is.EqualTo("refuse"), r.ToString());
        string path = r.GetProperty("path").GetString()!;
        var ex = Assert.Throws(Is.InstanceOf<VolumeFormatException>(), () => new DicomSeriesReader().Read(path));
        Assert.That(ex!.Message, Does.Contain(messagePart).And.Contain(name));
    }

    /// <summary>Words of a refusal that tell the user what to do (convert, export, give another input, ...).</summary>
    private static readonly string[] ActionPhrases =
        ["convert", "export", "give the", "give a", "read it with", "decompress", "known formats", "choose", "pass "];

    /// <summary>
    /// Every file of pydicom's test set (subfolders, DICOMDIR trees and non-DICOM files included), read the way a user's
    /// input is (<see cref="VolumeFormats.Default"/>): every uncompressed, RLE and JPEG-lossless single-frame MR or CT
    /// image is read and equals pydicom's pixel array (rescaled) exactly; whatever else the reference reads (CR, RT dose,
    /// JPEG lossy against dcmdjpeg within the codec's tolerance) must match it too; everything else is refused with a
    /// <see cref="VolumeFormatException"/> that names the file and says what to do.
    /// </summary>
    [Test]
    public void Read_EveryFileOfPydicomsTestSet_ReadsWhatTheReferenceReads_AndRefusesTheRestSayingWhatToDo()
    {
        var files = WholeSet.Value.GetProperty("files").EnumerateArray().ToList();
        Assert.That(files, Has.Count.GreaterThanOrEqualTo(150), "every file, subfolders included");
        string[] exact = ["1.2.840.10008.1.2", "1.2.840.10008.1.2.1", "1.2.840.10008.1.2.1.99", "1.2.840.10008.1.2.2", "1.2.840.10008.1.2.5",
            "1.2.840.10008.1.2.4.57", "1.2.840.10008.1.2.4.70"];
        var problems = new List<string>();
        int read = 0, readMrCt = 0, refused = 0;
        foreach (var r in files)
        {
            string name = r.GetProperty("name").GetString()!, path = r.GetProperty("path").GetString()!;
            bool expectRead = r.GetProperty("expect").GetString() == "read";
            string modality = r.TryGetProperty("modality", out var m) ? m.GetString()! : "";
            string ts = r.TryGetProperty("transfer_syntax", out var t) ? t.GetString()! : "";
            bool mustMatchExactly = expectRead && modality is "MR" or "CT" && exact.Contains(ts);
            try
            {
                var v = VolumeFormats.Default.Read(path);
                read++;
                if (!expectRead)
                {
                    problems.Add($"{name}: read, but the reference refuses it ({r.GetProperty("reason").GetString()})");
                }
                else if (MaxDifference(r, v.Image) is double d && d > (mustMatchExactly ? 0 : Tolerance(r)))
                {
                    problems.Add($"{name}: voxels differ from the reference by up to {d}");
                }
                else if (mustMatchExactly)
                {
                    readMrCt++;
                }
            }
            catch (VolumeFormatException ex)
            {
                refused++;
                if (expectRead)
                {
                    problems.Add($"{name}: refused ({ex.Message}), but the reference reads it");
                }
                else if (!ex.Message.Contains(path, StringComparison.Ordinal))
                {
                    problems.Add($"{name}: the refusal does not name the file: {ex.Message}");
                }
                else if (!ActionPhrases.Any(a => ex.Message.Contains(a, StringComparison.OrdinalIgnoreCase)))
                {
                    problems.Add($"{name}: the refusal does not say what to do: {ex.Message}");
                }
            }
        }
        TestContext.Out.WriteLine($"pydicom test set: {files.Count} files, {read} read ({readMrCt} uncompressed/RLE/JPEG-lossless MR or CT, exactly), {refused} refused");
        Assert.That(problems, Is.Empty, string.Join("\n", problems));
        Assert.That(readMrCt, Is.EqualTo(files.Count(f => f.GetProperty("expect").GetString() == "read"
            && f.GetProperty("modality").GetString() is "MR" or "CT" && exact.Contains(f.GetProperty("transfer_syntax").GetString()))));
        Assert.That(readMrCt, Is.GreaterThanOrEqualTo(30), "the MR and CT images of the set, DICOMDIR trees included");
    }

    private static double Tolerance(JsonElement r) =>
        r.TryGetProperty("lossy", out var lossy) && lossy.GetBoolean() ? LossyStoredTolerance * Math.Abs(r.GetProperty("slope").GetDouble()) : 0;

    /// <summary>Largest |ThighSeg − reference| over all voxels (the reference array is in stored row order, ThighSeg's rows are reversed).</summary>
    private static double MaxDifference(JsonElement r, Core.Volumes.Volume<float> img)
    {
        byte[] raw = Convert.FromBase64String(r.GetProperty("values_b64").GetString()!);
        int rows = r.GetProperty("rows").GetInt32(), cols = r.GetProperty("cols").GetInt32();
        Assert.That(raw.Length, Is.EqualTo(rows * cols * 4));
        Assert.That(img.Shape, Is.EqualTo(new Core.Volumes.VolumeShape(cols, rows, 1)));
        double max = 0;
        for (int row = 0; row < rows; row++)
        {
            for (int col = 0; col < cols; col++)
            {
                float expected = BitConverter.ToSingle(raw, 4 * ((row * cols) + col));
                max = Math.Max(max, Math.Abs(img[col, rows - 1 - row, 0] - expected));
            }
        }
        return max;
    }
}
