using ThighSeg.Core.Volumes;
using ThighSeg.IO.Nifti;

namespace ThighSeg.IO.Tests.Nifti;

public class NiftiWriterTests
{
    private static Affine Oblique(bool float32Exact)
    {
        double c = Math.Cos(0.3), s = Math.Sin(0.3);
        double[] m = [-0.8 * c, 0.9 * s, 0, 12.3, 0.8 * s, 0.9 * c, 0, -45.6, 0, 0, 3.3, 7.7, 0, 0, 0, 1];
        if (float32Exact)
        {
            m = m.Select(v => (double)(float)v).ToArray();
        }
        return Affine.FromRowMajor(m);
    }

    private static Volume<float> Image(Affine a) =>
        new(new VolumeShape(6, 5, 4), a, Enumerable.Range(0, 120).Select(i => (float)Math.Sin(i) * 100).Concat([]).ToArray());

    [TestCase("img.nii")]
    [TestCase("img.nii.gz")]
    public void WriteImage_RoundTripsValuesAndFloat32ExactAffineBitForBit(string name)
    {
        using var dir = new TempDir();
        var img = Image(Oblique(float32Exact: true));
        img.Data[7] = float.NaN;
        new NiftiWriter().WriteImage(dir.File(name), img);
        var back = new NiftiReader().Read(dir.File(name));
        Assert.That(back.StoredType.Name, Is.EqualTo("float32"));
        Assert.That(back.Image.Affine, Is.EqualTo(img.Affine));
        Assert.That(back.Image.Data, Is.EqualTo(img.Data));
    }

    [Test]
    public void WriteImage_Nifti1RoundsAffineToFloat32_Nifti2KeepsItExactly()
    {
        using var dir = new TempDir();
        var img = Image(Oblique(float32Exact: false));
        new NiftiWriter().WriteImage(dir.File("v1.nii"), img);
        new NiftiWriter(new NiftiWriteOptions { Version = 2 }).WriteImage(dir.File("v2.nii"), img);
        var v1 = new NiftiReader().Read(dir.File("v1.nii")).Image.Affine;
        var v2 = new NiftiReader().Read(dir.File("v2.nii")).Image.Affine;
        Assert.That(v1.ApproximatelyEquals(img.Affine, 1e-5), Is.True);
        Assert.That(v1, Is.Not.EqualTo(img.Affine));
        Assert.That(v2, Is.EqualTo(img.Affine));
    }

    [Test]
    public void WriteImage_WritesQformConsistentWithSform()
    {
        using var dir = new TempDir();
        var img = Image(Oblique(float32Exact: true));
        string path = dir.File("q.nii");
        new NiftiWriter().WriteImage(path, img);
        // Zero the sform_code so the reader must use the qform.
        byte[] bytes = File.ReadAllBytes(path);
        Assert.That(BitConverter.ToInt16(bytes, 252), Is.EqualTo(1), "qform_code");
        bytes[254] = 0;
        File.WriteAllBytes(path, bytes);
        var q = new NiftiReader().Read(path).Image.Affine;
        Assert.That(q.ApproximatelyEquals(img.Affine, 1e-5), Is.True, $"{q} vs {img.Affine}");
    }

    [Test]
    public void WriteImage_LeavesQformUnset_ForShearedAffine()
    {
        using var dir = new TempDir();
        var img = Image(Affine.FromRowMajor([1, 0.5, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1]));
        new NiftiWriter().WriteImage(dir.File("s.nii"), img);
        byte[] bytes = File.ReadAllBytes(dir.File("s.nii"));
        Assert.That(BitConverter.ToInt16(bytes, 252), Is.Zero);
        Assert.That(new NiftiReader().Read(dir.File("s.nii")).Image.Affine, Is.EqualTo(img.Affine));
    }

    [TestCase(new[] { 0, 1, 255 }, NiftiDataType.UInt8)]
    [TestCase(new[] { -1, 0, 5 }, NiftiDataType.Int16)]
    [TestCase(new[] { 0, 300, 32767 }, NiftiDataType.Int16)]
    [TestCase(new[] { 0, 40000 }, NiftiDataType.UInt16)]
    [TestCase(new[] { -5, 40000 }, NiftiDataType.Int32)]
    [TestCase(new[] { int.MinValue, int.MaxValue }, NiftiDataType.Int32)]
    public void LabelTypeFor_ChoosesSmallestTypeThatFits(int[] values, NiftiDataType expected) =>
        Assert.That(NiftiWriter.LabelTypeFor(values), Is.EqualTo(expected));

    [TestCase(new[] { 0, 1, 2, 255 })]
    [TestCase(new[] { -3, 0, 7, 1000 })]
    [TestCase(new[] { 0, 65535, 12 })]
    [TestCase(new[] { -100000, 5, 100000 })]
    public void WriteLabels_RoundTripsValuesAndNames(int[] values)
    {
        using var dir = new TempDir();
        var labels = new Volume<int>(new VolumeShape(values.Length, 1, 1), Affine.FromSpacing(1, 2, 3), values);
        var names = values.Distinct().ToDictionary(v => v, v => $"label {v} – ünïcode \"quoted\"");
        string path = dir.File("lab.nii.gz");
        new NiftiWriter().WriteLabels(path, labels, names);
        var back = new NiftiReader().Read(path);
        Assert.That(back.StoredType.Name, Is.EqualTo(NiftiDataTypes.Name(NiftiWriter.LabelTypeFor(values))));
        Assert.That(back.Image.Data, Is.EqualTo(values.Select(v => (float)v).ToArray()));
        Assert.That(back.LabelNames, Is.EqualTo(names));
    }

    [Test]
    public void WriteLabels_WithoutNames_HasNoLabelNames()
    {
        using var dir = new TempDir();
        new NiftiWriter().WriteLabels(dir.File("l.nii"), new Volume<int>(new VolumeShape(2, 2, 2), Affine.Identity));
        Assert.That(new NiftiReader().Read(dir.File("l.nii")).LabelNames, Is.Null);
    }

    [Test]
    public void Write_IsAtomic_ExistingFileSurvivesFailure_AndNoTempFileRemains()
    {
        using var dir = new TempDir();
        string path = dir.File("keep.nii");
        File.WriteAllText(path, "precious");
        // Label names with a null value fail validation before anything is written.
        Assert.Throws<ArgumentException>(() => new NiftiWriter().WriteLabels(path, new Volume<int>(new VolumeShape(1, 1, 1), Affine.Identity), new Dictionary<int, string> { [1] = null! }));
        // A failure in the middle of streaming the voxels (as a full disk would cause), plain and gzipped.
        foreach (string target in new[] { path, dir.File("keep2.nii.gz") })
        {
            if (!File.Exists(target))
            {
                File.WriteAllText(target, "precious");
            }
            var ex = Assert.Throws<IOException>(() => new NiftiWriter().WriteAtomically(target, NiftiTestFiles.Header(2, 2, 2, NiftiDataType.UInt8), null, (stream, _) =>
            {
                stream.Write(new byte[4]);
                throw new IOException("disk full (simulated)");
            }));
            Assert.That(ex!.Message, Does.Contain("simulated"));
            Assert.That(File.ReadAllText(target), Is.EqualTo("precious"));
        }
        Assert.That(File.ReadAllText(path), Is.EqualTo("precious"));
        Assert.That(Directory.GetFiles(dir.Path), Has.Length.EqualTo(2), "no temporary file is left behind");
        // A successful write replaces the file in one step.
        new NiftiWriter().WriteImage(path, Image(Affine.Identity));
        Assert.That(new NiftiReader().Read(path).Image.Shape, Is.EqualTo(new VolumeShape(6, 5, 4)));
        Assert.That(Directory.GetFiles(dir.Path), Has.Length.EqualTo(2));
    }

    [Test]
    public void Write_Refuses_NonNiftiExtension() =>
        Assert.Throws<ArgumentException>(() => new NiftiWriter().WriteImage("/tmp/x.mha", Image(Affine.Identity)));

    [Test]
    public void Options_RejectInvalidValues_NamingThem()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new NiftiWriteOptions { Version = 3 });
        Assert.That(ex!.ParamName, Is.EqualTo("Version"));
        Assert.That(ex.Message, Does.Contain("3"));
        Assert.Throws<ArgumentException>(() => _ = new NiftiWriteOptions { Description = new string('x', 80) });
    }
}
