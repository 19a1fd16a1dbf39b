using System.Text.Json;
using ThighSeg.IO.Dicom;

namespace ThighSeg.IO.Tests.Dicom;

/// <summary>
/// A multi-slice series written by pydicom (tests/reference/dicom_series.py: 12 slices, shuffled file names, mixed
/// explicit/implicit little endian and big endian files, int16 with rescale, every voxel value unique) and converted
/// by dcm2niix; ThighSeg must produce the same voxel grid, affine and values as dcm2niix's NIfTI (read by nibabel).
/// </summary>
[TestFixture]
public sealed class Dcm2niixSeriesTests
{
    private string _work = null!;

    [OneTimeSetUp]
    public void CreateWorkFolder() => _work = Directory.CreateTempSubdirectory("thighseg-dcm2niix-").FullName;

    [OneTimeTearDown]
    public void DeleteWorkFolder() => Directory.Delete(_work, recursive: true);

    [TestCase("oblique")]
    [TestCase("axial")]
    [TestCase("sagittal")]
    [TestCase("coronal")]
    public void Read_MatchesDcm2niix_GeometryAndValues(string orientationCase)
    {
        string dir = Path.Combine(_work, orientationCase);
        JsonElement r = PythonReference.Run("dicom_series.py", dir, "--case", orientationCase);
        var loaded = new DicomSeriesReader().Read(r.GetProperty("series_dir").GetString()!);
        var img = loaded.Image;
        var truth = r.GetProperty("truth");

        int[] shape = r.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.That(new[] { img.Shape.X, img.Shape.Y, img.Shape.Z }, Is.EqualTo(shape));
        Assert.That(loaded.StoredType.Name, Is.EqualTo("int16"));

        // Same affine as dcm2niix (its NIfTI stores float32, hence 1e-4).
        double[] affine = r.GetProperty("affine").EnumerateArray().SelectMany(row => row.EnumerateArray().Select(e => e.GetDouble())).ToArray();
        Assert.That(img.Affine.RowMajor.ToArray(), Is.EqualTo(affine).Within(1e-4), $"ThighSeg {img.Affine}");

        // The slice spacing comes from the positions (2.5 mm), not SliceThickness (2.0 mm).
        Assert.That(img.Spacing.Z, Is.EqualTo(truth.GetProperty("slice_spacing").GetDouble()).Within(1e-4));

        double sum = img.Data.Sum(f => (double)f);
        Assert.That(sum, Is.EqualTo(r.GetProperty("sum").GetDouble()).Within(1e-3));
        Assert.That(img.Data.Min(), Is.EqualTo((float)r.GetProperty("min").GetDouble()));
        Assert.That(img.Data.Max(), Is.EqualTo((float)r.GetProperty("max").GetDouble()));

        // Every value is unique, so find each sampled value in ThighSeg's volume and compare where both readers put it.
        foreach (var s in r.GetProperty("samples").EnumerateArray())
        {
            float value = (float)s.GetProperty("value").GetDouble();
            int at = Array.IndexOf(img.Data, value);
            Assert.That(at, Is.GreaterThanOrEqualTo(0), $"value {value} missing");
            int x = at % img.Shape.X, y = at / img.Shape.X % img.Shape.Y, z = at / img.Shape.SliceSize;
            int[] niiIndex = s.GetProperty("nifti_index").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.That(new[] { x, y, z }, Is.EqualTo(niiIndex), $"voxel index of value {value}");
            var w = img.Affine.Apply(x, y, z);
            var ras = s.GetProperty("ras");
            Assert.That(new[] { w.X, w.Y, w.Z }, Is.EqualTo(new[] { ras[0].GetDouble(), ras[1].GetDouble(), ras[2].GetDouble() }).Within(1e-4),
                $"RAS of the voxel holding {value}");
        }
    }

    [Test]
    public void Read_FolderWithTwoSeries_IsRefusedListingBoth_AndReadsTheChosenOne()
    {
        string dir = Path.Combine(_work, "two");
        JsonElement r = PythonReference.Run("dicom_series.py", dir, "--case", "axial", "--seed", "7");
        string series = r.GetProperty("series_dir").GetString()!;
        // A second series: one synthetic slice with another SeriesInstanceUID.
        DicomTestWriter.MrSlice(4, 4, [0, 0, 0], [1, 0, 0, 0, 1, 0], [1, 1], new short[16], seriesUid: "9.8.7.6")
            .WriteTo(Path.Combine(series, "zz_other.dcm"));
        var reader = new DicomSeriesReader();
        var ex = Assert.Throws<DicomFormatException>(() => reader.Read(series));
        Assert.That(ex!.Message, Does.Contain("2 series").And.Contain("9.8.7.6 (1 image(s)").And.Contain("(12 image(s), series number 7, 'thighseg axial test series')"));

        var chosen = reader.Read(series, new VolumeReadOptions { SeriesInstanceUid = "9.8.7.6" });
        Assert.That(chosen.Image.Shape, Is.EqualTo(new Core.Volumes.VolumeShape(4, 4, 1)));
    }
}
