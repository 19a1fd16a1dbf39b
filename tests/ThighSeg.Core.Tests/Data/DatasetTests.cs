using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Data;

public class DatasetTests
{
    private string _dir = "";
    private Dictionary<string, Volume<float>> _volumes = [];
    private IVolumeSource _source = null!;

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"thighseg-ds-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
        _volumes = [];
        _source = VolumeSource.FromDelegate(p => _volumes.TryGetValue(p, out var v) ? v : throw new DatasetException($"no volume {p}"));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private static Volume<float> Vol(float fill, int z = 2, double spacing = 1)
    {
        var v = new Volume<float>(new VolumeShape(4, 3, z), Affine.FromSpacing(spacing, spacing, 2));
        Array.Fill(v.Data, fill);
        return v;
    }

    private string AddFile(string rel, Volume<float>? vol = null)
    {
        string full = Path.Combine(_dir, rel);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllText(full, "x");
        _volumes[Path.GetFullPath(full)] = vol ?? Vol(1);
        return full;
    }

    private string Manifest(params string[] rows)
    {
        string path = Path.Combine(_dir, "manifest.csv");
        File.WriteAllText(path, string.Join("\n", ["subject,image,label,split", .. rows]) + "\n");
        return path;
    }

    [Test]
    public void Load_ResolvesRelativeAndAbsolutePaths()
    {
        AddFile("images/a.nii.gz");
        AddFile("labels/a.nii.gz");
        string abs = AddFile("elsewhere/b, with comma.nii.gz");
        var m = DatasetManifest.Load(Manifest("a,images/a.nii.gz,labels/a.nii.gz,train", $"b,\"{abs}\",,unlabeled"));
        Assert.Multiple(() =>
        {
            Assert.That(m.Entries, Has.Count.EqualTo(2));
            Assert.That(m["a"].ImagePath, Is.EqualTo(Path.Combine(_dir, "images", "a.nii.gz")));
            Assert.That(m["a"].Split, Is.EqualTo(DatasetSplit.Train));
            Assert.That(m["b"].ImagePath, Is.EqualTo(abs));
            Assert.That(m["b"].LabelPath, Is.Null);
        });
    }

    [Test]
    public void Load_ReadsRfc4180_QuotedPathsWithCommasAndQuotes_CrLfLineEnds_AndReportsTheLineOfAMultiLineRecord()
    {
        AddFile("odd, \"name\".nii.gz");
        string path = Path.Combine(_dir, "manifest.csv");
        File.WriteAllText(path, "subject,image,label,split\r\n\"a\",\"odd, \"\"name\"\".nii.gz\",,unlabeled\r\n\"b\nc\",x.nii.gz,,nosuchsplit\r\n");

        var ex = Assert.Throws<DatasetException>(() => DatasetManifest.Load(path));
        Assert.That(ex!.Message, Does.Contain("line 3").And.Contain("unknown split 'nosuchsplit'"));

        File.WriteAllText(path, "subject,image,label,split\r\n\"a\",\"odd, \"\"name\"\".nii.gz\",,unlabeled\r\n");
        var m = DatasetManifest.Load(path);
        Assert.That(m.Entries.Single().ImagePath, Is.EqualTo(Path.Combine(_dir, "odd, \"name\".nii.gz")));
    }

    [Test]
    public void Write_ThenLoad_RoundTrips()
    {
        string img = AddFile("images/s 1.nii.gz");
        string lab = AddFile("labels/s 1.nii.gz");
        string path = Path.Combine(_dir, "manifest.csv");
        DatasetManifest.Write(path, [new ManifestEntry("s1", img, lab, DatasetSplit.Test), new ManifestEntry("s2", img, null, DatasetSplit.Unlabeled)]);
        var text = File.ReadAllText(path);
        var m = DatasetManifest.Load(path);
        Assert.Multiple(() =>
        {
            Assert.That(text, Does.StartWith("subject,image,label,split\ns1,images/s 1.nii.gz,labels/s 1.nii.gz,test\n"));
            Assert.That(m["s1"].LabelPath, Is.EqualTo(lab));
            Assert.That(m["s2"].Split, Is.EqualTo(DatasetSplit.Unlabeled));
        });
    }

    [Test]
    public void Load_FailsOnMissingImageFile()
    {
        Assert.That(() => DatasetManifest.Load(Manifest("a,images/missing.nii.gz,,unlabeled")),
            Throws.TypeOf<DatasetException>().With.Message.Contains("not found").And.Message.Contains("line 2"));
    }

    [Test]
    public void Load_FailsOnMissingLabelFile()
    {
        AddFile("a.nii.gz");
        Assert.That(() => DatasetManifest.Load(Manifest("a,a.nii.gz,nolabel.nii.gz,train")),
            Throws.TypeOf<DatasetException>().With.Message.Contains("label of subject 'a' not found"));
    }

    [Test]
    public void Load_FailsOnDuplicateSubject()
    {
        AddFile("a.nii.gz");
        Assert.That(() => DatasetManifest.Load(Manifest("a,a.nii.gz,,unlabeled", "a,a.nii.gz,,unlabeled")),
            Throws.TypeOf<DatasetException>().With.Message.Contains("already listed on line 2"));
    }

    [Test]
    public void Load_FailsOnUnknownSplit()
    {
        AddFile("a.nii.gz");
        Assert.That(() => DatasetManifest.Load(Manifest("a,a.nii.gz,,validation")),
            Throws.TypeOf<DatasetException>().With.Message.Contains("unknown split 'validation'"));
    }

    [TestCase("subject,image,split")]
    [TestCase("id,image,label,split")]
    public void Load_FailsOnBadHeader(string header)
    {
        string path = Path.Combine(_dir, "manifest.csv");
        File.WriteAllText(path, header + "\n");
        Assert.That(() => DatasetManifest.Load(path), Throws.TypeOf<DatasetException>().With.Message.Contains("expected the header"));
    }

    [Test]
    public void Load_FailsWhenLabelAndSplitDisagree()
    {
        AddFile("a.nii.gz");
        AddFile("la.nii.gz");
        Assert.Multiple(() =>
        {
            Assert.That(() => DatasetManifest.Load(Manifest("a,a.nii.gz,,train")), Throws.TypeOf<DatasetException>().With.Message.Contains("no label path"));
            Assert.That(() => DatasetManifest.Load(Manifest("a,a.nii.gz,la.nii.gz,unlabeled")), Throws.TypeOf<DatasetException>().With.Message.Contains("unlabeled but has a label"));
        });
    }

    [Test]
    public void Load_FailsOnMissingManifest()
    {
        Assert.That(() => DatasetManifest.Load(Path.Combine(_dir, "nope.csv")), Throws.TypeOf<DatasetException>().With.Message.Contains("does not exist"));
    }

    [Test]
    public void Dataset_UsesLabelsJsonWhenPresent()
    {
        AddFile("a.nii.gz");
        AddFile("la.nii.gz", Vol(2));
        File.WriteAllText(Path.Combine(_dir, "labels.json"), "{\"0\": \"background\", \"2\": \"gracilis\", \"7\": \"sartorius\"}");
        var ds = Dataset.Open(Manifest("a,a.nii.gz,la.nii.gz,train"), _source);
        var loaded = ds.Load("a");
        Assert.Multiple(() =>
        {
            Assert.That(ds.LabelsFromFile, Is.True);
            Assert.That(ds.Labels.Values, Is.EqualTo(new[] { 0, 2, 7 }));
            Assert.That(ds.Labels.ClassIndex(7), Is.EqualTo(2));
            Assert.That(loaded.Labels!.Data.Distinct(), Is.EqualTo(new[] { 2 }));
        });
    }

    [Test]
    public void Dataset_WithoutLabelsJson_TakesGenericLabelsFromTheVolumes()
    {
        AddFile("a.nii.gz");
        var lab = Vol(0);
        lab.Data[0] = 5;
        lab.Data[1] = 12;
        AddFile("la.nii.gz", lab);
        AddFile("b.nii.gz");
        AddFile("lb.nii.gz", Vol(3));
        var ds = Dataset.Open(Manifest("a,a.nii.gz,la.nii.gz,train", "b,b.nii.gz,lb.nii.gz,test"), _source);
        Assert.Multiple(() =>
        {
            Assert.That(ds.LabelsFromFile, Is.False);
            Assert.That(ds.Labels.Values, Is.EqualTo(new[] { 0, 3, 5, 12 }));
            Assert.That(ds.Labels.Name(12), Is.EqualTo("label_12"));
        });
    }

    [Test]
    public void Dataset_FailsOnLabelValuesAbsentFromLabelsJson()
    {
        AddFile("a.nii.gz");
        AddFile("la.nii.gz", Vol(9));
        File.WriteAllText(Path.Combine(_dir, "labels.json"), "{\"0\": \"background\", \"1\": \"vl\"}");
        var ds = Dataset.Open(Manifest("a,a.nii.gz,la.nii.gz,train"), _source);
        Assert.That(() => ds.Load("a"), Throws.TypeOf<DatasetException>().With.Message.Contains("absent from the label map: 9"));
    }

    [Test]
    public void Dataset_FailsOnLabelGeometryDifferentFromImage()
    {
        AddFile("a.nii.gz");
        AddFile("la.nii.gz", Vol(0, z: 3));
        AddFile("b.nii.gz");
        AddFile("lb.nii.gz", Vol(0, spacing: 1.2));
        File.WriteAllText(Path.Combine(_dir, "labels.json"), "{\"0\": \"background\"}");
        var ds = Dataset.Open(Manifest("a,a.nii.gz,la.nii.gz,train", "b,b.nii.gz,lb.nii.gz,train"), _source);
        Assert.Multiple(() =>
        {
            Assert.That(() => ds.Load("a"), Throws.TypeOf<DatasetException>().With.Message.Contains("shape 4x3x3"));
            Assert.That(() => ds.Load("b"), Throws.TypeOf<DatasetException>().With.Message.Contains("affine"));
        });
    }

    [Test]
    public void ToLabels_RejectsNonIntegerOrNegativeValues()
    {
        var v = Vol(1);
        v.Data[5] = 1.5f;
        var w = Vol(1);
        w.Data[0] = -1;
        Assert.Multiple(() =>
        {
            Assert.That(() => VolumeSource.ToLabels(v, "l.nii"), Throws.TypeOf<DatasetException>().With.Message.Contains("1.5"));
            Assert.That(() => VolumeSource.ToLabels(w, "l.nii"), Throws.TypeOf<DatasetException>().With.Message.Contains("-1"));
        });
    }

    [Test]
    public void LabelMap_JsonRoundTripsAndRejectsBadKeys()
    {
        var map = LabelMap.FromNames([KeyValuePair.Create(3, "c"), KeyValuePair.Create(1, "a")]);
        var back = LabelMap.Parse(map.ToJson());
        Assert.Multiple(() =>
        {
            Assert.That(back.Values, Is.EqualTo(new[] { 0, 1, 3 }));
            Assert.That(back.Name(3), Is.EqualTo("c"));
            Assert.That(() => LabelMap.Parse("{\"x\": \"a\"}"), Throws.TypeOf<DatasetException>().With.Message.Contains("'x'"));
            Assert.That(() => LabelMap.Parse("[1, 2]"), Throws.TypeOf<DatasetException>());
            Assert.That(() => LabelMap.Parse("{\"1\": 5}"), Throws.TypeOf<DatasetException>());
            Assert.That(() => LabelMap.Parse("{oops"), Throws.TypeOf<DatasetException>());
        });
    }
}
