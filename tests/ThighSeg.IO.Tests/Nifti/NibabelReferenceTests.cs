using System.Text.Json;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Nifti;

namespace ThighSeg.IO.Tests.Nifti;

/// <summary>
/// ThighSeg's NIfTI reader against nibabel on real third-party files shipped with python3-nibabel (and headers from
/// them patched to exercise the qform and pixdim rules), and ThighSeg's writer read back by nibabel. The reference
/// values come from tests/reference/nifti_reference.py, run afresh by each test run so they cannot go stale.
/// </summary>
[NonParallelizable]
public class NibabelReferenceTests
{
    private TempDir? _dir;
    private readonly Dictionary<string, JsonElement> _ref = [];

    /// <summary>The real files (spec = path[@volume]) and what each covers.</summary>
    private static readonly (string Spec, string Covers)[] RealFiles =
    [
        ("anatomical.nii", "NIfTI-1, big endian int16, sform+qform"),
        ("example4d.nii.gz@0", "gzip, 4D, extensions, volume 0"),
        ("example4d.nii.gz@1", "gzip, 4D, volume 1"),
        ("example_nifti2.nii.gz@1", "NIfTI-2, gzip, 4D"),
        ("standard.nii.gz", "uint8, sform only"),
        ("functional.nii@7", "scl_slope/scl_inter scaling, 4D"),
        ("reoriented_anat_moved.nii", "big endian float32, RAS"),
        ("resampled_anat_moved.nii", "big endian float32, LAS"),
    ];

    private string Path(string spec) => spec.Split('@')[0] is var f && f.StartsWith('/') ? f : NiftiTestFiles.Nib(f);

    [OneTimeSetUp]
    public void RunReference()
    {
        NiftiTestFiles.RequireNibabel();
        _dir = new TempDir();
        // Derived files: real headers patched (qform only; no transform at all), and header-only real files given an image.
        byte[] anat = File.ReadAllBytes(NiftiTestFiles.Nib("anatomical.nii"));
        byte[] qOnly = (byte[])anat.Clone();
        qOnly[254] = 0; qOnly[255] = 0; // sform_code = 0 (big endian int16 at 254)
        File.WriteAllBytes(_dir.File("anat_qform.nii"), qOnly);
        byte[] none = (byte[])qOnly.Clone();
        none[252] = 0; none[253] = 0; // qform_code = 0
        File.WriteAllBytes(_dir.File("anat_pixdim.nii"), none);
        // nifti1.hdr / nifti2.hdr (91x109x91 int16, vox_offset 0) with a deterministic image-like .img.
        var img = new byte[91 * 109 * 91 * 2];
        for (int i = 0; i < img.Length / 2; i++)
        {
            int x = i % 91, y = i / 91 % 109, z = i / (91 * 109);
            short v = (short)(1000 * Math.Sin(x * 0.1) * Math.Cos(y * 0.07) + (z * 3) - 200);
            BitConverter.TryWriteBytes(img.AsSpan(2 * i), v);
        }
        File.Copy(NiftiTestFiles.Nib("nifti1.hdr"), _dir.File("pair1.hdr"));
        File.WriteAllBytes(_dir.File("pair1.img"), img);
        File.Copy(NiftiTestFiles.Nib("nifti2.hdr"), _dir.File("pair2.hdr"));
        // nifti2.hdr's vox_offset is 544: in a pair that is the offset into the .img file.
        File.WriteAllBytes(_dir.File("pair2.img.gz"), NiftiTestFiles.Gzip([.. new byte[544], .. img]));
        // nibabel's pair loader wants pair2.img.gz next to pair2.hdr.gz, so give it the gzipped header too.
        File.WriteAllBytes(_dir.File("pair2.hdr.gz"), NiftiTestFiles.Gzip(File.ReadAllBytes(NiftiTestFiles.Nib("nifti2.hdr"))));

        var specs = RealFiles.Select(f => f.Spec).Select(s => NiftiTestFiles.Nib(s.Split('@')[0]) + (s.Contains('@', StringComparison.Ordinal) ? "@" + s.Split('@')[1] : ""))
            .Concat([_dir.File("anat_qform.nii"), _dir.File("anat_pixdim.nii"), _dir.File("pair1.hdr"), _dir.File("pair2.hdr.gz")]).ToArray();
        foreach (var r in NiftiTestFiles.Reference(specs))
        {
            _ref[r.GetProperty("spec").GetString()!] = r;
        }
    }

    [OneTimeTearDown]
    public void Cleanup() => _dir?.Dispose();

    private static IEnumerable<TestCaseData> RealCases() => RealFiles.Select(f => new TestCaseData(f.Spec).SetName($"Read_AgreesWithNibabel_{f.Spec.Replace('.', '_').Replace('@', '_')} ({f.Covers})"));

    [TestCaseSource(nameof(RealCases))]
    public void Read_AgreesWithNibabel_OnRealFile(string spec)
    {
        string path = NiftiTestFiles.Nib(spec.Split('@')[0]);
        string key = path + (spec.Contains('@', StringComparison.Ordinal) ? "@" + spec.Split('@')[1] : "");
        AssertAgrees(path, key, spec.Contains('@', StringComparison.Ordinal) ? int.Parse(spec.Split('@')[1], System.Globalization.CultureInfo.InvariantCulture) : null);
    }

    [TestCase("anat_qform.nii", TestName = "Read_AgreesWithNibabel_QformOnly (real header, sform_code patched to 0)")]
    [TestCase("anat_pixdim.nii", TestName = "Read_AgreesWithNibabel_NoTransform (real header, both codes 0: pixdim fallback)")]
    [TestCase("pair1.hdr", TestName = "Read_AgreesWithNibabel_Nifti1Pair (real nifti1.hdr + .img)")]
    [TestCase("pair2.hdr.gz", TestName = "Read_AgreesWithNibabel_Nifti2GzippedPair (real nifti2.hdr + .img.gz)")]
    public void Read_AgreesWithNibabel_OnDerivedFile(string name) => AssertAgrees(_dir!.File(name), _dir.File(name), null);

    [Test]
    public void Reference_CoversAtLeastSixDistinctRealFiles() =>
        Assert.That(RealFiles.Select(f => f.Spec.Split('@')[0]).Distinct().Count(), Is.GreaterThanOrEqualTo(6));

    [Test]
    public void Write_ImageAndLabels_AreReadBackByNibabelWithSameGeometryAndValues()
    {
        var anat = new NiftiReader().Read(NiftiTestFiles.Nib("anatomical.nii"));
        string imgPath = _dir!.File("written_image.nii.gz");
        new NiftiWriter().WriteImage(imgPath, anat.Image);
        var labels = anat.Image.WithData(anat.Image.Data.Select(v => v > 60 ? 2 : v > 20 ? 1 : 0).ToArray());
        var names = new Dictionary<int, string> { [1] = "muscle", [2] = "fat" };
        string labPath = _dir.File("written_labels.nii");
        new NiftiWriter().WriteLabels(labPath, labels, names);
        // An oblique affine with non-float32-exact values, written as NIfTI-2: exact in float64.
        double c = Math.Cos(0.2), s = Math.Sin(0.2);
        var oblique = new Volume<float>(new VolumeShape(7, 5, 3), Affine.FromRowMajor([0.9 * c, -1.1 * s, 0, 10.1, 0.9 * s, 1.1 * c, 0, -20.3, 0, 0, 2.7, 5.55, 0, 0, 0, 1]),
            Enumerable.Range(0, 105).Select(i => (float)(i * 0.1)).ToArray());
        string oblPath = _dir.File("oblique2.nii");
        new NiftiWriter(new NiftiWriteOptions { Version = 2 }).WriteImage(oblPath, oblique);

        var refs = NiftiTestFiles.Reference(imgPath, labPath, oblPath);
        AssertAffine(refs[0], anat.Image.Affine, 0);
        AssertSamples(refs[0], anat.Image);
        Assert.That(refs[0].GetProperty("datatype").GetString(), Is.EqualTo("float32"));
        Assert.That(refs[0].GetProperty("sum").GetDouble(), Is.EqualTo(anat.Image.Data.Sum(v => (double)v)).Within(1e-9).Percent);

        AssertAffine(refs[1], labels.Affine, 0);
        Assert.That(refs[1].GetProperty("datatype").GetString(), Is.EqualTo("uint8"));
        Assert.That(refs[1].GetProperty("sum").GetDouble(), Is.EqualTo(labels.Data.Sum(v => (double)v)));
        var ext = refs[1].GetProperty("extensions").EnumerateArray().Single();
        Assert.That(ext[0].GetInt32(), Is.EqualTo(6));
        Assert.That(ext[1].GetString(), Does.Contain("\"1\":\"muscle\"").And.Contain("\"2\":\"fat\""));
        Assert.That(new NiftiReader().Read(labPath).LabelNames, Is.EqualTo(names));

        AssertAffine(refs[2], oblique.Affine, 0);
        // nibabel's reading of the qform ThighSeg wrote agrees with the sform.
        foreach (var (r, affine) in new[] { (refs[0], anat.Image.Affine), (refs[2], oblique.Affine) })
        {
            Assert.That(r.GetProperty("qform_code").GetInt32(), Is.EqualTo(1));
            var q = r.GetProperty("qform").EnumerateArray().Select(row => row.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
            for (int i = 0; i < 4; i++)
            {
                for (int j = 0; j < 4; j++)
                {
                    Assert.That(q[i][j], Is.EqualTo(affine[i, j]).Within(1e-5), $"nibabel qform[{i},{j}]");
                }
            }
        }
        AssertSamples(refs[2], oblique);
    }

    private void AssertAgrees(string path, string key, int? volume)
    {
        var r = _ref[key];
        var loaded = new NiftiReader().Read(path, new VolumeReadOptions { VolumeIndex = volume });
        var img = loaded.Image;
        int[] shape = r.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        Assert.That(new[] { img.Shape.X, img.Shape.Y, img.Shape.Z }, Is.EqualTo(shape), "shape");
        Assert.That(loaded.StoredType.Name, Is.EqualTo(r.GetProperty("datatype").GetString()), "datatype");
        AssertAffine(r, img.Affine, 1e-4);
        double[] spacing = r.GetProperty("spacing").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Assert.That(img.Spacing.X, Is.EqualTo(spacing[0]).Within(1e-4), "spacing x");
        Assert.That(img.Spacing.Y, Is.EqualTo(spacing[1]).Within(1e-4), "spacing y");
        Assert.That(img.Spacing.Z, Is.EqualTo(spacing[2]).Within(1e-4), "spacing z");
        var finite = img.Data.Where(v => !float.IsNaN(v)).ToArray();
        Assert.That(img.Data.Length - finite.Length, Is.EqualTo(r.GetProperty("nan_count").GetInt32()), "NaN count");
        double sum = finite.Sum(v => (double)v);
        Assert.That(sum, Is.EqualTo(r.GetProperty("sum").GetDouble()).Within(1e-5).Percent.Or.EqualTo(r.GetProperty("sum").GetDouble()).Within(1e-3), "sum");
        Assert.That(sum / finite.Length, Is.EqualTo(r.GetProperty("mean").GetDouble()).Within(1e-5).Percent.Or.EqualTo(r.GetProperty("mean").GetDouble()).Within(1e-6), "mean");
        Assert.That(finite.Min(), Is.EqualTo((float)r.GetProperty("min").GetDouble()), "min");
        Assert.That(finite.Max(), Is.EqualTo((float)r.GetProperty("max").GetDouble()), "max");
        AssertSamples(r, img);
    }

    private static void AssertAffine(JsonElement r, Affine affine, double tolerance)
    {
        var rows = r.GetProperty("affine").EnumerateArray().Select(row => row.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        for (int i = 0; i < 4; i++)
        {
            for (int j = 0; j < 4; j++)
            {
                Assert.That(affine[i, j], Is.EqualTo(rows[i][j]).Within(tolerance), $"affine[{i},{j}] of {r.GetProperty("spec")}");
            }
        }
    }

    private static void AssertSamples(JsonElement r, Volume<float> img)
    {
        foreach (var s in r.GetProperty("samples").EnumerateArray())
        {
            int i = s[0].GetInt32(), j = s[1].GetInt32(), k = s[2].GetInt32();
            float expected = s[3].ValueKind == JsonValueKind.String ? float.Parse(s[3].GetString()!, System.Globalization.CultureInfo.InvariantCulture) : (float)s[3].GetDouble();
            Assert.That(img[i, j, k], Is.EqualTo(expected), $"voxel ({i},{j},{k}) of {r.GetProperty("spec")}");
        }
    }
}
