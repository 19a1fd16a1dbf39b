using System.Text.Json;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Nifti;
using static ThighSeg.Cli.Tests.Support.CliRunner;

namespace ThighSeg.Cli.Tests.Commands;

public class InfoConvertCommandTests
{
    private const string NibabelData = "/usr/lib/python3/dist-packages/nibabel/tests/data";
    private string _dir = "";

    [SetUp]
    public void CreateDir()
    {
        _dir = Path.Combine(Path.GetTempPath(), "thighseg-cli-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void DeleteDir() => Directory.Delete(_dir, recursive: true);

    private string Synthetic(string name = "img.nii.gz")
    {
        double c = Math.Cos(0.25), s = Math.Sin(0.25);
        var affine = Affine.FromRowMajor([-(float)(0.9 * c), (float)(0.8 * s), 0, 10.5f, (float)(0.9 * s), (float)(0.8 * c), 0, -3.25f, 0, 0, 2.5, 4, 0, 0, 0, 1]);
        var img = new Volume<float>(new VolumeShape(5, 4, 3), affine, Enumerable.Range(0, 60).Select(i => (float)(i - 10) / 4).ToArray());
        string path = Path.Combine(_dir, name);
        new NiftiWriter().WriteImage(path, img);
        return path;
    }

    [Test]
    public void Info_PrintsOneJsonObjectWithGeometryAndStatistics()
    {
        string path = Synthetic();
        var (code, stdout, stderr) = Run("info", path);
        Assert.That(code, Is.Zero, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        var loaded = new NiftiReader().Read(path);
        Assert.That(root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 5, 4, 3 }));
        Assert.That(root.GetProperty("spacing")[0].GetDouble(), Is.EqualTo(0.9).Within(1e-6));
        Assert.That(root.GetProperty("spacing")[2].GetDouble(), Is.EqualTo(2.5).Within(1e-9));
        var rows = root.GetProperty("affine").EnumerateArray().Select(r => r.EnumerateArray().Select(e => e.GetDouble()).ToArray()).ToArray();
        for (int r = 0; r < 4; r++)
        {
            for (int c = 0; c < 4; c++)
            {
                Assert.That(rows[r][c], Is.EqualTo(loaded.Image.Affine[r, c]), $"affine[{r},{c}]");
            }
        }
        Assert.That(root.GetProperty("datatype").GetString(), Is.EqualTo("float32"));
        Assert.That(root.GetProperty("axis_codes").GetString(), Is.EqualTo("LAS"));
        Assert.That(root.GetProperty("min").GetDouble(), Is.EqualTo(-2.5));
        Assert.That(root.GetProperty("max").GetDouble(), Is.EqualTo(12.25));
        Assert.That(root.GetProperty("mean").GetDouble(), Is.EqualTo(Enumerable.Range(0, 60).Average(i => (i - 10) / 4.0)).Within(1e-12));
    }

    [Test]
    public void Info_ReadsRealNibabelFile_WithVolumeOption()
    {
        string p = Path.Combine(NibabelData, "example4d.nii.gz");
        if (!File.Exists(p))
        {
            Assert.Ignore($"{p} missing (install python3-nibabel).");
        }
        var (code, _, err) = Run("info", p);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("--volume").Or.Contain("VolumeIndex"));
        (code, string stdout, err) = Run("info", p, "--volume", "1");
        Assert.That(code, Is.Zero, err);
        using var doc = JsonDocument.Parse(stdout);
        Assert.That(doc.RootElement.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(new[] { 128, 96, 24 }));
        Assert.That(doc.RootElement.GetProperty("datatype").GetString(), Is.EqualTo("int16"));
    }

    [Test]
    public void Convert_WritesNiftiWithSameGeometryAndValues()
    {
        string src = Synthetic("src.nii");
        string dst = Path.Combine(_dir, "out.nii.gz");
        var (code, stdout, err) = Run("convert", src, dst);
        Assert.That(code, Is.Zero, err);
        Assert.That(stdout, Does.Contain("out.nii.gz"));
        var a = new NiftiReader().Read(src).Image;
        var b = new NiftiReader().Read(dst).Image;
        Assert.That(b.Affine, Is.EqualTo(a.Affine));
        Assert.That(b.Data, Is.EqualTo(a.Data));
    }

    [Test]
    public void Convert_KeepsLabelMapsAndNames()
    {
        string src = Path.Combine(_dir, "lab.nii");
        var names = new Dictionary<int, string> { [1] = "VL", [2] = "RF" };
        new NiftiWriter().WriteLabels(src, new Volume<int>(new VolumeShape(3, 1, 1), Affine.FromSpacing(2, 2, 2), [0, 1, 2]), names);
        string dst = Path.Combine(_dir, "lab2.nii.gz");
        Assert.That(Run("convert", src, dst).Code, Is.Zero);
        var back = new NiftiReader().Read(dst);
        Assert.That(back.StoredType.Name, Is.EqualTo("uint8"));
        Assert.That(back.LabelNames, Is.EqualTo(names));
        Assert.That(back.Image.Data, Is.EqualTo(new float[] { 0, 1, 2 }));
    }

    [Test]
    public void Convert_WithLabels_RefusesFractionalValues()
    {
        string src = Synthetic("frac.nii");
        var (code, _, err) = Run("convert", src, Path.Combine(_dir, "x.nii"), "--labels");
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("whole-number"));
        Assert.That(File.Exists(Path.Combine(_dir, "x.nii")), Is.False);
    }

    [Test]
    public void Info_MalformedFile_ExitsOneWithClearMessage()
    {
        string bad = Path.Combine(_dir, "bad.nii");
        File.WriteAllBytes(bad, new byte[100]);
        var (code, stdout, err) = Run("info", bad);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stdout, Is.Empty);
        Assert.That(err, Does.StartWith("error: ").And.Contain("bad.nii").And.Contain("sizeof_hdr"));
    }

    [Test]
    public void InfoAndConvert_ReportMissingOrUnknownInputs()
    {
        var (code, _, err) = Run("info", Path.Combine(_dir, "nope.nii"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("nope.nii"));
        string txt = Path.Combine(_dir, "x.txt");
        File.WriteAllText(txt, "hello");
        (code, _, err) = Run("info", txt);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("no reader"));
        (code, _, err) = Run("convert", Synthetic(), Path.Combine(_dir, "out.mha"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("no writer"));
    }

    [Test]
    public void Convert_WithoutOutputArgument_IsUsageError() => Assert.That(Run("convert", "a.nii").Code, Is.EqualTo(2));
}
