using ThighSeg.Cli.Commands;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Nifti;
using ThighSeg.IO.Tests.Dicom;
using static ThighSeg.Cli.Tests.Support.CliRunner;

namespace ThighSeg.Cli.Tests;

/// <summary>
/// Issue 15 through the verbs: degenerate DICOM geometry (a single image and a series) is refused cleanly by info,
/// convert and predict (exit 1 or a recorded case failure, the shared geometry message, no crash, no file written);
/// the read limits are CLI flags; convert never writes over its input.
/// </summary>
[TestFixture]
public sealed class HostileInputCliTests
{
    private static readonly double[] Axial = [1, 0, 0, 0, 1, 0];
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("thighseg-cli-hostile-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static short[] Ramp(int n) => Enumerable.Range(0, n).Select(v => (short)(v * 3)).ToArray();

    /// <summary>A series of <paramref name="slices"/> slices (1: a lone single image) whose SliceThickness/PixelSpacing
    /// element is <paramref name="value"/>.</summary>
    private string DegenerateSeries(string name, uint tag, string value, int slices = 3)
    {
        string folder = Path.Combine(_dir, name);
        Directory.CreateDirectory(folder);
        for (int z = 0; z < slices; z++)
        {
            DicomTestWriter.MrSlice(4, 4, [0, 0, z], Axial, tag == 0x00280030 ? null : [1, 1], Ramp(16), instance: z + 1)
                .Text(tag, "DS", value).WriteTo(Path.Combine(folder, $"s{z}.dcm"));
        }
        return folder;
    }

    private static IEnumerable<TestCaseData> Degenerate()
    {
        // A single image takes its slice spacing from SliceThickness; a series from the slice positions (so there only
        // the in-plane spacing can be degenerate).
        yield return new TestCaseData(0x00180050u, "1e200", 1).SetName("Single image, SliceThickness 1e200");
        yield return new TestCaseData(0x00180050u, "4.9e-324", 1).SetName("Single image, SliceThickness 4.9e-324");
        yield return new TestCaseData(0x00280030u, "1e-300\\1e-300", 1).SetName("Single image, PixelSpacing 1e-300");
        yield return new TestCaseData(0x00280030u, "1e-300\\1e-300", 3).SetName("Series, PixelSpacing 1e-300");
    }

    [TestCaseSource(nameof(Degenerate))]
    public void InfoAndConvert_RefuseDegenerateDicomGeometry_WithTheSharedRule(uint tag, string value, int slices)
    {
        string folder = DegenerateSeries("series", tag, value, slices);
        foreach (string input in slices == 1 ? new[] { Path.Combine(folder, "s0.dcm"), folder } : [folder])
        {
            var info = Run("info", input);
            Assert.Multiple(() =>
            {
                Assert.That(info.Code, Is.EqualTo(1), info.Out + info.Err);
                Assert.That(info.Err, Does.Contain("is outside 0.001 to 1000 mm"));
                Assert.That(info.Out, Is.Empty, "no JSON with Infinity or zero spacing");
            });
            string nii = Path.Combine(_dir, "out.nii.gz");
            var convert = Run("convert", input, nii);
            Assert.Multiple(() =>
            {
                Assert.That(convert.Code, Is.EqualTo(1), convert.Err);
                Assert.That(convert.Err, Does.Contain("is outside 0.001 to 1000 mm"));
                Assert.That(File.Exists(nii), Is.False, "no NIfTI file that ThighSeg's own reader would refuse");
            });
        }
    }

    [Test]
    public void Predict_RecordsDegenerateDicomGeometry_AsACaseFailure_AndGoesOn()
    {
        string cohort = Path.Combine(_dir, "cohort");
        Assert.That(Run("synth", "--out", cohort, "--subjects", "3", "--labeled", "2", "--test", "1", "--size", "48").Code, Is.Zero);
        string model = Path.Combine(_dir, "seg");
        var f = Run("finetune", "--data", Path.Combine(cohort, "manifest.csv"), "--labeled", "1", "--out", model, "--epochs", "1",
            "--steps-per-epoch", "1", "--batch", "2", "--filters", "4", "--size", "32", "--spacing", "6", "--device", "cpu");
        Assert.That(f.Code, Is.Zero, f.Err);
        string input = Path.Combine(_dir, "input");
        Directory.CreateDirectory(input);
        File.Copy(Directory.GetFiles(Path.Combine(cohort, "images")).Order(StringComparer.Ordinal).First(), Path.Combine(input, "good.nii.gz"));
        DegenerateSeries(Path.Combine("input", "thick"), 0x00180050u, "1e200", slices: 1);
        string pred = Path.Combine(_dir, "pred");
        var p = Run("predict", "--model", model, "--input", input, "--out", pred, "--device", "cpu");
        Assert.Multiple(() =>
        {
            Assert.That(p.Code, Is.EqualTo(PredictCommand.ExitCasesFailedBase + 1), p.Out + p.Err);
            Assert.That(p.Out, Does.Contain("is outside 0.001 to 1000 mm"));
            Assert.That(File.Exists(Path.Combine(pred, "good.nii.gz")), Is.True, "the good case is predicted");
        });
    }

    [Test]
    public void ReadLimits_AreFlags_NamedInTheRefusal()
    {
        string path = Path.Combine(_dir, "v.nii");
        new NiftiWriter().WriteImage(path, new Volume<float>(new VolumeShape(10, 10, 10), Affine.Identity));
        var low = Run("info", path, "--max-voxels", "999");
        Assert.Multiple(() =>
        {
            Assert.That(low.Code, Is.EqualTo(1), low.Err);
            Assert.That(low.Err, Does.Contain("limit of 999").And.Contain("--max-voxels"));
        });
        Assert.That(Run("info", path, "--max-voxels", "1000").Code, Is.Zero);
        var bad = Run("info", path, "--max-voxels", "0");
        Assert.That(bad.Code, Is.EqualTo(2));
        Assert.That(bad.Err, Does.Contain("--max-voxels 0"));

        string gz = Path.Combine(_dir, "v.nii.gz");
        new NiftiWriter().WriteImage(gz, new Volume<float>(new VolumeShape(200, 200, 10), Affine.Identity));
        var inflate = Run("convert", gz, Path.Combine(_dir, "w.nii"), "--max-decompressed-mb", "1");
        Assert.Multiple(() =>
        {
            Assert.That(inflate.Code, Is.EqualTo(1), inflate.Err);
            Assert.That(inflate.Err, Does.Contain("--max-decompressed-mb"));
        });
        Assert.That(Run("convert", gz, Path.Combine(_dir, "w.nii"), "--max-decompressed-mb", "2").Code, Is.Zero);
    }

    [Test]
    public void Convert_OutputEqualToInput_IsRefused_AndTheInputSurvives()
    {
        string path = Path.Combine(_dir, "v.nii");
        new NiftiWriter().WriteImage(path, new Volume<float>(new VolumeShape(3, 3, 3), Affine.Identity));
        byte[] before = File.ReadAllBytes(path);
        var r = Run("convert", path, path, "--labels");
        Assert.Multiple(() =>
        {
            Assert.That(r.Code, Is.EqualTo(2), r.Err);
            Assert.That(r.Err, Does.Contain(path).And.Contain("refusing to replace an input"));
            Assert.That(File.ReadAllBytes(path), Is.EqualTo(before));
        });
    }
}
