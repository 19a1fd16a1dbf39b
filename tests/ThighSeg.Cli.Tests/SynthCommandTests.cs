using System.Collections.Concurrent;
using ThighSeg.Cli.Commands;
using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;
using ThighSeg.IO;

namespace ThighSeg.Cli.Tests;

[TestFixture]
public sealed class SynthCommandTests
{
    /// <summary>Keeps written volumes in memory and leaves a marker file at each path.</summary>
    private sealed class MemoryWriter : IVolumeWriter
    {
        public ConcurrentDictionary<string, Volume<float>> Images { get; } = new();
        public ConcurrentDictionary<string, (Volume<int> Labels, IReadOnlyDictionary<int, string>? Names)> Labels { get; } = new();
        public string FormatName => "memory";
        public bool CanWrite(string path) => path.EndsWith(".nii.gz", StringComparison.Ordinal);
        public void WriteImage(string path, Volume<float> image)
        {
            Images[path] = image;
            File.WriteAllText(path, "image");
        }
        public void WriteLabels(string path, Volume<int> labels, IReadOnlyDictionary<int, string>? labelNames = null)
        {
            Labels[path] = (labels, labelNames);
            File.WriteAllText(path, "labels");
        }
    }

    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Path.Combine(Path.GetTempPath(), $"thighseg-synth-{Guid.NewGuid():N}");

    [TearDown]
    public void TearDown()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Test]
    public void Run_WritesTheDatasetLayout()
    {
        var writer = new MemoryWriter();
        using var output = new StringWriter();
        SynthCommand.Run(new SynthRequest(_dir, 4, 2, 1, 7, 48), writer, output);
        var manifest = DatasetManifest.Load(Path.Combine(_dir, "manifest.csv"));
        var labels = LabelMap.Load(Path.Combine(_dir, "labels.json"));
        byte[] png = File.ReadAllBytes(Path.Combine(_dir, "montage.png"));
        Assert.Multiple(() =>
        {
            Assert.That(manifest.Entries.Select(e => e.Split), Is.EqualTo(new[] { DatasetSplit.Train, DatasetSplit.Train, DatasetSplit.Test, DatasetSplit.Unlabeled }));
            Assert.That(manifest.Entries.Select(e => e.Subject), Is.EqualTo(new[] { "sub-001", "sub-002", "sub-003", "sub-004" }));
            Assert.That(manifest["sub-001"].ImagePath, Is.EqualTo(Path.Combine(_dir, "images", "sub-001.nii.gz")));
            Assert.That(manifest["sub-003"].LabelPath, Is.EqualTo(Path.Combine(_dir, "labels", "sub-003.nii.gz")));
            Assert.That(File.ReadAllText(Path.Combine(_dir, "manifest.csv")), Does.Contain("sub-004,images/sub-004.nii.gz,,unlabeled"));
            Assert.That(writer.Images, Has.Count.EqualTo(4));
            Assert.That(writer.Labels, Has.Count.EqualTo(3));
            Assert.That(labels.Count, Is.EqualTo(14));
            Assert.That(writer.Labels.Values.All(l => l.Names is not null && l.Names[1] == "vastus_lateralis"), Is.True);
            Assert.That(png.Take(8), Is.EqualTo(new byte[] { 137, 80, 78, 71, 13, 10, 26, 10 }));
            Assert.That(output.ToString(), Does.Contain("wrote 4 subjects (2 train, 1 test, 1 unlabeled)"));
            Assert.That(Directory.GetFiles(_dir, "*.tmp", SearchOption.AllDirectories), Is.Empty);
        });
        // Labels share the image geometry.
        foreach (var (path, (lab, _)) in writer.Labels)
        {
            var img = writer.Images[path.Replace("/labels/", "/images/", StringComparison.Ordinal)];
            Assert.That(lab.SameGeometry(img), Is.True, path);
        }
    }

    [Test]
    public void Run_IsDeterministicForASeed()
    {
        var a = new MemoryWriter();
        var b = new MemoryWriter();
        SynthCommand.Run(new SynthRequest(Path.Combine(_dir, "a"), 2, 1, 0, 3, 32), a, TextWriter.Null);
        SynthCommand.Run(new SynthRequest(Path.Combine(_dir, "b"), 2, 1, 0, 3, 32), b, TextWriter.Null);
        foreach (var (path, img) in a.Images)
        {
            var other = b.Images[path.Replace("/a/", "/b/", StringComparison.Ordinal)];
            Assert.That(other.Data, Is.EqualTo(img.Data));
            Assert.That(other.Affine, Is.EqualTo(img.Affine));
        }
        Assert.That(File.ReadAllBytes(Path.Combine(_dir, "b", "montage.png")), Is.EqualTo(File.ReadAllBytes(Path.Combine(_dir, "a", "montage.png"))));
    }

    [Test]
    public void Run_ContourFamily_WritesTheSecondFamilyWithTheSameLabelNames()
    {
        var writer = new MemoryWriter();
        SynthCommand.Run(new SynthRequest(_dir, 2, 1, 1, 7, 64, Family: SynthCommand.ContourFamily), writer, TextWriter.Null);
        var labels = LabelMap.Load(Path.Combine(_dir, "labels.json"));
        Assert.Multiple(() =>
        {
            Assert.That(labels.ToJson(), Is.EqualTo(ThighSeg.Core.Phantoms.ThighPhantomGenerator.LabelMap.ToJson()));
            Assert.That(writer.Images.Values.Select(i => (i.Shape.X, i.Shape.Y)), Is.All.EqualTo((64, 32)));
            Assert.That(writer.Images.Values.Select(i => i.Spacing.Z), Is.All.InRange(5.0, 6.0));
        });
        Assert.That(() => SynthCommand.Validate(new SynthRequest(_dir, 2, 1, 1, 7, 64, Family: "dixon")), Throws.TypeOf<UsageException>().With.Message.Contains("--family"));
    }

    [TestCase(0, 0, 0, 64, "--subjects")]
    [TestCase(3, 2, 2, 64, "exceeds --subjects")]
    [TestCase(3, -1, 0, 64, "negative")]
    [TestCase(3, 1, 1, 16, "--size")]
    public void Validate_RejectsBadCounts(int n, int m, int t, int size, string message)
    {
        Assert.That(() => SynthCommand.Validate(new SynthRequest(_dir, n, m, t, 1, size)), Throws.TypeOf<UsageException>().With.Message.Contains(message));
    }
}

[TestFixture]
public sealed class SynthEndToEndTests
{
    [Test]
    public void SynthVerb_WritesNiftiCohortThatLoadsAsADatasetAndRoundTripsThroughPreprocessing()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"thighseg-synth-e2e-{Guid.NewGuid():N}");
        try
        {
            using var output = new StringWriter();
            using var error = new StringWriter();
            int code = CliApp.Run(["synth", "--out", dir, "--subjects", "3", "--labeled", "1", "--test", "1", "--seed", "4", "--size", "48"], output, error);
            Assert.That(code, Is.Zero, error.ToString());
            var ds = Dataset.Open(Path.Combine(dir, "manifest.csv"), new VolumeFormatsSource());
            Assert.That(ds.LabelsFromFile, Is.True);
            Assert.That(ds.SubjectsIn(DatasetSplit.Unlabeled), Is.EqualTo(new[] { "sub-003" }));
            var subject = ds.Load("sub-001");
            var prepared = new ThighSeg.Core.Preprocessing.Preprocessor(new() { TargetSpacingMm = subject.Image.Spacing.X, TargetSize = 48 })
                .Prepare(subject.Image, subject.Labels, subject.Subject);
            var restored = ThighSeg.Core.Preprocessing.Preprocessor.Restore(prepared, [.. prepared.Stacks.Select(s => s.Labels!)]);
            Assert.Multiple(() =>
            {
                Assert.That(restored.Data, Is.EqualTo(subject.Labels!.Data));
                Assert.That(restored.Affine.ApproximatelyEquals(subject.Image.Affine), Is.True);
                Assert.That(subject.Labels.Data.Distinct().Count(), Is.GreaterThan(8));
            });
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    [Test]
    public void SynthVerb_ExitsWithUsageErrorOnInconsistentCounts()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        int code = CliApp.Run(["synth", "--out", Path.GetTempPath(), "--subjects", "3", "--labeled", "3", "--test", "1"], output, error);
        Assert.Multiple(() =>
        {
            Assert.That(code, Is.EqualTo(2));
            Assert.That(error.ToString(), Does.Contain("exceeds --subjects"));
        });
    }
}
