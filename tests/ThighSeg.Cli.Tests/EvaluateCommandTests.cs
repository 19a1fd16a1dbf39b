using System.CommandLine;
using System.Globalization;
using ThighSeg.Cli.Commands;
using ThighSeg.Core.Volumes;
using ThighSeg.IO;
using ThighSeg.IO.Nifti;

namespace ThighSeg.Cli.Tests;

[TestFixture]
public sealed class EvaluateCommandTests : EvaluationFolders
{
    private static (int Code, string Out, string Err) RunWithTestReader(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var root = new RootCommand("test");
        root.Subcommands.Add(EvaluateCommand.Create(output, [new TextLabelReader()]));
        int code = CliApp.Invoke(root, args, output, error);
        return (code, output.ToString(), error.ToString());
    }

    /// <summary>A 6×6×4 label map, spacing 1×1×2 mm: label 1 in x 0..2, label 2 in x 3..5 (rows y 0..2), shifted by `shift` voxels in x.</summary>
    private static Volume<int> Map(int shift = 0, double sz = 2)
    {
        var v = new Volume<int>(new VolumeShape(6, 6, 4), Affine.FromSpacing(1, 1, sz));
        for (int z = 0; z < 4; z++)
        {
            for (int y = 0; y < 3; y++)
            {
                for (int x = 0; x < 6; x++)
                {
                    int xs = x - shift;
                    if (xs >= 0)
                    {
                        v[x, y, z] = xs < 3 ? 1 : 2;
                    }
                }
            }
        }
        return v;
    }

    private const string LabelsJson = "{\"0\": \"background\", \"1\": \"vastus_lateralis\", \"2\": \"rectus_femoris\"}";

    private string[] Args(string outPath, bool labels = true, string json = LabelsJson)
    {
        var args = new List<string> { "evaluate", "--pred", PredDir, "--ref", RefDir, "--out", outPath };
        if (labels)
        {
            string path = Path.Combine(Dir, "labels.json");
            File.WriteAllText(path, json);
            args.AddRange(["--labels", path]);
        }
        return [.. args];
    }

    [Test]
    public void Evaluate_WritesRowsSummaryAndTable_ForFilesPairedByName()
    {
        TextLabelReader.Write(Path.Combine(RefDir, "sub-01.tlm"), Map());
        TextLabelReader.Write(Path.Combine(PredDir, "sub-01.tlm"), Map());
        TextLabelReader.Write(Path.Combine(RefDir, "sub-02.tlm"), Map());
        TextLabelReader.Write(Path.Combine(PredDir, "sub-02.tlm"), Map(shift: 1));
        string outPath = Path.Combine(Dir, "out", "metrics.csv");

        var (code, text, err) = RunWithTestReader(Args(outPath));

        Assert.That(code, Is.Zero, err);
        string[] lines = File.ReadAllLines(outPath);
        Assert.Multiple(() =>
        {
            // Subject ids follow the one rule (SubjectIds): only volume extensions are removed, so this test format keeps ".tlm".
            Assert.That(lines[0], Is.EqualTo("subject,label,label_name,presence,dice,hd95_mm,assd_mm,rvd,volume_ml_ref,volume_ml_pred"));
            Assert.That(lines, Has.Length.EqualTo(1 + (2 * 2)));
            // Label 1: 3×3×4 = 36 voxels of 1×1×2 mm = 72 mm³ = 0.072 mL.
            Assert.That(lines[1], Is.EqualTo("sub-01.tlm,1,vastus_lateralis,both,1,0,0,0,0.072,0.072"));
            // sub-02, label 1: reference x 0..2, prediction x 1..3 -> overlap 2 of 3 columns: dice 2/3.
            Assert.That(lines[3], Does.StartWith("sub-02.tlm,1,vastus_lateralis,both,0.6666666666666666,"));
            Assert.That(File.Exists(Path.Combine(Dir, "out", "metrics.summary.csv")), Is.True);
            Assert.That(text, Does.Contain("vastus_lateralis").And.Contain("hd95_mm").And.Contain("0.833 ± 0.236"));
        });
        string summary = File.ReadAllText(Path.Combine(Dir, "out", "metrics.summary.csv"));
        double expected = (1 + (2.0 / 3)) / 2;
        Assert.That(summary, Does.Contain("1,vastus_lateralis,dice,2,2,0," + expected.ToString(CultureInfo.InvariantCulture)));
    }

    [Test]
    public void Evaluate_ReportsNeitherRows_ForALabelOfLabelsJsonAbsentFromOneSubject()
    {
        TextLabelReader.Write(Path.Combine(RefDir, "sub-01.tlm"), Map());
        TextLabelReader.Write(Path.Combine(PredDir, "sub-01.tlm"), Map());
        var onlyOne = Map();
        onlyOne.Data.AsSpan().Replace(2, 0);
        TextLabelReader.Write(Path.Combine(RefDir, "sub-02.tlm"), onlyOne);
        TextLabelReader.Write(Path.Combine(PredDir, "sub-02.tlm"), onlyOne);
        string outPath = Path.Combine(Dir, "m.csv");

        var (code, _, err) = RunWithTestReader(Args(outPath));

        Assert.That(code, Is.Zero, err);
        Assert.That(File.ReadAllLines(outPath)[4], Is.EqualTo("sub-02.tlm,2,rectus_femoris,neither,NaN,NaN,NaN,NaN,0,0"));
    }

    [Test]
    public void Evaluate_RefusesLabelsJson_ThatOmitsALabelValueOfTheVolumes_AndWritesNothing()
    {
        // Before: label 2 was silently left out of the evaluation, exit 0.
        TextLabelReader.Write(Path.Combine(RefDir, "sub-01.tlm"), Map());
        TextLabelReader.Write(Path.Combine(PredDir, "sub-01.tlm"), Map());
        string outPath = Path.Combine(Dir, "m.csv");

        var (code, _, err) = RunWithTestReader(Args(outPath, json: "{\"0\": \"background\", \"1\": \"vastus_lateralis\"}"));

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(err, Does.Contain("sub-01").And.Contain("does not list: 2").And.Contain("labels.json"));
            Assert.That(File.Exists(outPath), Is.False);
        });
    }

    [Test]
    public void Evaluate_RefusesLabelsJson_ThatOmitsALabelValueOfAPrediction()
    {
        TextLabelReader.Write(Path.Combine(RefDir, "sub-01.tlm"), Map());
        var extra = Map();
        extra[5, 5, 3] = 7;
        TextLabelReader.Write(Path.Combine(PredDir, "sub-01.tlm"), extra);

        var (code, _, err) = RunWithTestReader(Args(Path.Combine(Dir, "m.csv")));

        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain(Path.Combine(PredDir, "sub-01.tlm")).And.Contain("does not list: 7"));
    }

    [Test]
    public void Evaluate_RefusesLabelsJson_ListingALabelThatNoReferenceContains()
    {
        // Before: label 3 was reported for every subject as NaN ("neither"), exit 0.
        TextLabelReader.Write(Path.Combine(RefDir, "sub-01.tlm"), Map());
        TextLabelReader.Write(Path.Combine(PredDir, "sub-01.tlm"), Map());
        string outPath = Path.Combine(Dir, "m.csv");

        var (code, _, err) = RunWithTestReader(Args(outPath, json: "{\"1\": \"vastus_lateralis\", \"2\": \"rectus_femoris\", \"3\": \"sartorius\"}"));

        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(1));
            Assert.That(err, Does.Contain("3 (sartorius)").And.Contain("no reference label map"));
            Assert.That(File.Exists(outPath), Is.False);
        });
    }

    [Test]
    public void Evaluate_WithoutLabelsJson_NamesLabelsFromThePredictionsLabelExtension_WhenTheReferenceHasNone()
    {
        var writer = new NiftiWriter();
        writer.WriteLabels(Path.Combine(RefDir, "sub-01.nii.gz"), Map());
        writer.WriteLabels(Path.Combine(PredDir, "sub-01.nii.gz"), Map(), new Dictionary<int, string> { [1] = "gracilis", [2] = "sartorius" });
        string outPath = Path.Combine(Dir, "m.csv");

        var (code, _, err) = Run("evaluate", "--pred", PredDir, "--ref", RefDir, "--out", outPath);

        Assert.That(code, Is.Zero, err);
        Assert.That(File.ReadAllLines(outPath).Skip(1).Select(l => l.Split(',')[2]), Is.EqualTo(new[] { "gracilis", "sartorius" }));
    }

    [Test]
    public void Evaluate_DiscoversLabels_AndUsesGenericNames_WithoutLabelsJson()
    {
        TextLabelReader.Write(Path.Combine(RefDir, "a.tlm"), Map());
        TextLabelReader.Write(Path.Combine(PredDir, "a.tlm"), Map());
        string outPath = Path.Combine(Dir, "m.csv");
        var (code, _, err) = RunWithTestReader(Args(outPath, labels: false));
        Assert.That(code, Is.Zero, err);
        var lines = File.ReadAllLines(outPath);
        Assert.That(lines.Skip(1).Select(l => l.Split(',')[2]), Is.EqualTo(new[] { "label_1", "label_2" }));
    }

    [Test]
    public void Evaluate_FailsWithExitCode1_NamingSubjectsWithoutPrediction_AndKeepsAnExistingOutput()
    {
        TextLabelReader.Write(Path.Combine(RefDir, "sub-01.tlm"), Map());
        TextLabelReader.Write(Path.Combine(RefDir, "sub-02.tlm"), Map());
        TextLabelReader.Write(Path.Combine(PredDir, "sub-01.tlm"), Map());
        string outPath = Path.Combine(Dir, "metrics.csv");
        File.WriteAllText(outPath, "previous results");

        var (code, _, err) = RunWithTestReader(Args(outPath));

        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("sub-02").And.Contain("No prediction"));
        Assert.That(File.ReadAllText(outPath), Is.EqualTo("previous results"));
    }

    [Test]
    public void Evaluate_FailsWithExitCode1_WhenGeometriesDiffer()
    {
        TextLabelReader.Write(Path.Combine(RefDir, "sub-01.tlm"), Map());
        TextLabelReader.Write(Path.Combine(PredDir, "sub-01.tlm"), Map(sz: 3));
        var (code, _, err) = RunWithTestReader(Args(Path.Combine(Dir, "metrics.csv")));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("sub-01").And.Contain("spacing"));
    }

    [Test]
    public void Evaluate_FailsWithExitCode1_ForNonIntegerLabels()
    {
        TextLabelReader.Write(Path.Combine(RefDir, "sub-01.tlm"), Map());
        var bad = Map().Data.Select(v => v + 0.5f).ToArray();
        TextLabelReader.Write(Path.Combine(PredDir, "sub-01.tlm"), new Volume<float>(new VolumeShape(6, 6, 4), Affine.FromSpacing(1, 1, 2), bad));
        var (code, _, err) = RunWithTestReader(Args(Path.Combine(Dir, "metrics.csv")));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("not a label map"));
    }

    [Test]
    public void Evaluate_FailsWithExitCode1_ForMalformedLabelsJson()
    {
        TextLabelReader.Write(Path.Combine(RefDir, "sub-01.tlm"), Map());
        TextLabelReader.Write(Path.Combine(PredDir, "sub-01.tlm"), Map());
        string json = Path.Combine(Dir, "bad.json");
        File.WriteAllText(json, "{\"one\": \"vastus\"}");
        var (code, _, err) = RunWithTestReader("evaluate", "--pred", PredDir, "--ref", RefDir, "--labels", json, "--out", Path.Combine(Dir, "m.csv"));
        Assert.That(code, Is.EqualTo(1));
        Assert.That(err, Does.Contain("'one'"));
    }

    [Test]
    public void Evaluate_ExitsWithCode2_ForMissingFolderOrMissingOut()
    {
        var (code, _, err) = RunWithTestReader("evaluate", "--pred", Path.Combine(Dir, "nope"), "--ref", RefDir, "--out", Path.Combine(Dir, "m.csv"));
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--pred"));
        (code, _, err) = RunWithTestReader("evaluate", "--pred", PredDir, "--ref", RefDir);
        Assert.That(code, Is.EqualTo(2));
        Assert.That(err, Does.Contain("--out"));
    }

    [Test]
    public void Help_DescribesTheOptions()
    {
        var (code, text, _) = RunWithTestReader("evaluate", "--help");
        Assert.That(code, Is.Zero);
        Assert.That(text, Does.Contain("--pred").And.Contain("--ref").And.Contain("--labels").And.Contain("--out"));
    }

    [Test]
    public void Thighseg_Evaluate_ReadsNiftiLabelMaps_ThroughTheRegisteredVerb()
    {
        // End to end through CliApp.Run and the default NIfTI reader: names come from the reference's label extension.
        var names = new Dictionary<int, string> { [1] = "vastus_lateralis", [2] = "rectus_femoris" };
        var writer = new NiftiWriter();
        writer.WriteLabels(Path.Combine(RefDir, "sub-01.nii.gz"), Map(), names);
        writer.WriteLabels(Path.Combine(PredDir, "sub-01.nii.gz"), Map(shift: 1));
        writer.WriteLabels(Path.Combine(RefDir, "sub-02.nii"), Map(), names);
        writer.WriteLabels(Path.Combine(PredDir, "sub-02.nii"), Map());
        string outPath = Path.Combine(Dir, "metrics.csv");

        var (code, text, err) = Run("evaluate", "--pred", PredDir, "--ref", RefDir, "--out", outPath);

        Assert.That(code, Is.Zero, err);
        string[] lines = File.ReadAllLines(outPath);
        Assert.That(lines, Has.Length.EqualTo(5));
        Assert.That(lines[1], Does.StartWith("sub-01,1,vastus_lateralis,both,0.6666666666666666,"));
        Assert.That(lines[2], Does.StartWith("sub-01,2,rectus_femoris,both,"));
        Assert.That(lines[3], Is.EqualTo("sub-02,1,vastus_lateralis,both,1,0,0,0,0.072,0.072"));
        Assert.That(File.Exists(Path.Combine(Dir, "metrics.summary.csv")), Is.True);
        Assert.That(text, Does.Contain("vastus_lateralis"));
    }

    /// <summary>
    /// A tiny text format for tests (ThighSeg's NIfTI reader lives in the IO branch): line 1 "X Y Z sx sy sz", line 2 the
    /// voxel values, x fastest.
    /// </summary>
    private sealed class TextLabelReader : IVolumeReader
    {
        public string FormatName => "test-labels";

        public bool CanRead(string path) => path.EndsWith(".tlm", StringComparison.Ordinal);

        public LoadedVolume Read(string path, VolumeReadOptions? options = null)
        {
            string[] lines = File.ReadAllLines(path);
            string[] h = lines[0].Split(' ');
            var shape = new VolumeShape(int.Parse(h[0], CultureInfo.InvariantCulture), int.Parse(h[1], CultureInfo.InvariantCulture), int.Parse(h[2], CultureInfo.InvariantCulture));
            var affine = Affine.FromSpacing(double.Parse(h[3], CultureInfo.InvariantCulture), double.Parse(h[4], CultureInfo.InvariantCulture), double.Parse(h[5], CultureInfo.InvariantCulture));
            float[] data = lines[1].Split(' ').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
            return new LoadedVolume(new Volume<float>(shape, affine, data), new StoredDataType("float32"), path);
        }

        public static void Write(string path, Volume<int> v) => Write(path, new Volume<float>(v.Shape, v.Affine, v.Data.Select(x => (float)x).ToArray()));

        public static void Write(string path, Volume<float> v)
        {
            var (sx, sy, sz) = v.Spacing;
            File.WriteAllLines(path, [
                string.Create(CultureInfo.InvariantCulture, $"{v.Shape.X} {v.Shape.Y} {v.Shape.Z} {sx} {sy} {sz}"),
                string.Join(' ', v.Data.Select(x => x.ToString(CultureInfo.InvariantCulture))),
            ]);
        }
    }
}
