namespace ThighSeg.Fuzz.Tests;

/// <summary>
/// The CI smoke of the parser fuzzer: a fixed seeded run of 2,400 mutated inputs (400 per parser) must give no
/// finding (no exception type outside the parser's own, no input over 5 s, none over 1 GiB) in under two minutes; and
/// the harness itself must report timeouts, memory over the cap and foreign exception types as findings.
/// </summary>
[TestFixture]
public sealed class FuzzSmokeTests
{
    private static FuzzCorpus? _corpus;

    private static FuzzCorpus Corpus => _corpus ??= FuzzCorpus.Load();

    [Test]
    [Category("Slow")]
    public void SeededRun_Of2400MutatedInputs_HasNoFindings_InUnderTwoMinutes()
    {
        Assert.That(Corpus.ThirdPartyFiles, Is.GreaterThanOrEqualTo(50),
            $"nibabel's and pydicom's test files ({FuzzCorpus.NibabelData}, {FuzzCorpus.PydicomData}; Debian python3-nibabel, python3-pydicom) seed the corpus");
        var report = new FuzzRunner(new FuzzOptions { Inputs = 2400, Seed = 15 }, Corpus).Run();
        TestContext.Out.Write(report.ToText());
        Assert.Multiple(() =>
        {
            Assert.That(report.Findings, Is.Empty, report.ToText());
            Assert.That(report.Wall, Is.LessThan(TimeSpan.FromMinutes(2)));
            Assert.That(report.Outcomes.Values.Sum(), Is.EqualTo(2400));
            foreach (var target in Enum.GetValues<FuzzTarget>())
            {
                // The mutations reach past the first checks: every parser both accepts and refuses some inputs.
                Assert.That(report.Outcomes.Where(o => o.Key.StartsWith(target + ": accepted", StringComparison.Ordinal)).Sum(o => o.Value), Is.Positive, $"{target} accepted none");
                Assert.That(report.Outcomes.Where(o => o.Key.StartsWith(target + ": refused", StringComparison.Ordinal)).Sum(o => o.Value), Is.Positive, $"{target} refused none");
            }
        });
    }

    [Test]
    public void SameSeed_GivesTheSameInputs_AnotherSeedOthers()
    {
        var a = new FuzzRunner(new FuzzOptions { Seed = 3 }, Corpus);
        var b = new FuzzRunner(new FuzzOptions { Seed = 3 }, Corpus);
        var c = new FuzzRunner(new FuzzOptions { Seed = 4 }, Corpus);
        for (int i = 0; i < 30; i++)
        {
            Assert.That(b.Make(i).Bytes, Is.EqualTo(a.Make(i).Bytes), $"input {i}");
        }
        Assert.That(Enumerable.Range(0, 30).Count(i => !c.Make(i).Bytes.AsSpan().SequenceEqual(a.Make(i).Bytes)), Is.GreaterThan(20));
    }

    [Test]
    public void OverTheTimeCap_IsAFinding_SavedForReplay()
    {
        string findings = Path.Combine(Path.GetTempPath(), "thighseg-fuzz-findings-" + Guid.NewGuid().ToString("N"));
        try
        {
            var report = new FuzzRunner(new FuzzOptions { Inputs = 6, TimeCap = TimeSpan.FromTicks(1), FindingsDirectory = findings }, Corpus).Run();
            Assert.That(report.Findings.Select(f => f.Kind), Has.Some.EqualTo("timeout"));
            var saved = report.Findings.First(f => f.Kind == "timeout").SavedAs!;
            Assert.That(File.ReadAllBytes(saved), Is.EqualTo(report.Findings.First(f => f.Kind == "timeout").Input.Bytes));
            Assert.That(File.ReadAllText(Path.ChangeExtension(saved, ".txt")), Does.Contain("--replay"));
        }
        finally
        {
            Thread.Sleep(200); // let the abandoned parses finish before their folders go
            if (Directory.Exists(findings))
            {
                Directory.Delete(findings, recursive: true);
            }
        }
    }

    [Test]
    public void OverTheMemoryCap_IsAFinding()
    {
        var report = new FuzzRunner(new FuzzOptions { Inputs = 12, MemoryCapBytes = 1 }, Corpus).Run();
        Assert.That(report.Findings, Has.Count.EqualTo(12));
        Assert.That(report.Findings.Select(f => f.Kind), Is.All.EqualTo("memory"));
    }

    [Test]
    public void OnlyTheParsersOwnExceptionTypes_AreAllowed()
    {
        Assert.Multiple(() =>
        {
            Assert.That(FuzzRunner.AllowedException(FuzzTarget.Nifti), Is.EqualTo(typeof(IO.VolumeFormatException)));
            Assert.That(FuzzRunner.AllowedException(FuzzTarget.DicomSeries), Is.EqualTo(typeof(IO.VolumeFormatException)));
            Assert.That(FuzzRunner.AllowedException(FuzzTarget.Labels), Is.EqualTo(typeof(Core.Data.DatasetException)));
            Assert.That(FuzzRunner.AllowedException(FuzzTarget.ModelManifest), Is.EqualTo(typeof(Core.Abstractions.ModelFormatException)));
            Assert.That(FuzzRunner.AllowedException(FuzzTarget.DatasetManifest).IsAssignableFrom(typeof(ArgumentException)), Is.False);
        });
    }
}
