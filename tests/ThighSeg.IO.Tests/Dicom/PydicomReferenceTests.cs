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
    public void Read_MatchesPydicom_OnValuesSpacingAndWorldCoordinates(string name)
    {
        var r = Record(name);
        Assert.That(r.GetProperty("expect").GetString(), Is.EqualTo("read"), r.ToString());
        var v = new DicomSeriesReader().Read(r.GetProperty("path").GetString()!);
        int rows = r.GetProperty("rows").GetInt32(), cols = r.GetProperty("cols").GetInt32();
        var img = v.Image;
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
        Assert.That(sum, Is.EqualTo(refSum).Within(Math.Max(1e-6 * Math.Abs(refSum), 1e-3)), "rescaled voxel sum");
        Assert.That(min, Is.EqualTo((float)r.GetProperty("min").GetDouble()), "min");
        Assert.That(max, Is.EqualTo((float)r.GetProperty("max").GetDouble()), "max");

        foreach (var s in r.GetProperty("samples").EnumerateArray())
        {
            int row = s.GetProperty("row").GetInt32(), col = s.GetProperty("col").GetInt32();
            int y = rows - 1 - row; // ThighSeg (like dcm2niix) stores rows bottom-up
            Assert.That(img[col, y, 0], Is.EqualTo((float)s.GetProperty("value").GetDouble()), $"value at stored row {row}, col {col}");
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
    [TestCase("MR_small_RLE.dcm", "1.2.840.10008.1.2.5 (RLE Lossless)")]
    [TestCase("MR_small_jp2klossless.dcm", "1.2.840.10008.1.2.4.90 (JPEG 2000 Image Compression (Lossless Only))")]
    [TestCase("MR_small_jpeg_ls_lossless.dcm", "1.2.840.10008.1.2.4.80 (JPEG-LS Lossless)")]
    [TestCase("JPEG-lossy.dcm", "1.2.840.10008.1.2.4.51 (JPEG Extended")]
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
}
