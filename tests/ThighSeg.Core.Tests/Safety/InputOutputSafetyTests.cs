using System.Diagnostics;
using ThighSeg.Core.Data;

namespace ThighSeg.Core.Tests.Safety;

/// <summary>labels.json with hostile content or on a non-regular file, the output guard and stale temporary files.</summary>
[TestFixture]
public sealed class InputOutputSafetyTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), "thighseg-safety-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    internal static void MakeFifo(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists("/usr/bin/mkfifo"))
        {
            Assert.Ignore("mkfifo is not available");
        }
        using var p = Process.Start(new ProcessStartInfo("/usr/bin/mkfifo", [path]) { UseShellExecute = false })!;
        p.WaitForExit(10_000);
        Assert.That(p.ExitCode, Is.Zero, "mkfifo failed");
    }

    [TestCase("{\"0\": \"background\", \"1\": \"\\ud800\"}")]
    [TestCase("{\"\\udc00\": \"vastus\"}")]
    public void LabelMap_LoneSurrogate_IsDatasetException(string json)
    {
        string path = Path.Combine(_dir, "labels.json");
        File.WriteAllText(path, json);
        var ex = Assert.Throws<DatasetException>(() => LabelMap.Load(path))!;
        Assert.That(ex.Message, Does.Contain(path).And.Contain("surrogate"));
    }

    [Test]
    public void LabelMap_Fifo_IsRefusedWithoutBlocking()
    {
        string path = Path.Combine(_dir, "labels.json");
        MakeFifo(path);
        var task = Task.Run(() => LabelMap.Load(path));
        // Wait returns false (no exception) when the load blocks on the FIFO, failing the assertion.
        var ex = Assert.Throws<AggregateException>(() => task.Wait(TimeSpan.FromSeconds(10)), "LabelMap.Load blocked on a FIFO")!.InnerException;
        Assert.That(ex, Is.TypeOf<DatasetException>());
        Assert.That(ex!.Message, Does.Contain("FIFO").And.Contain(path));
    }

    [Test]
    public void InputFile_TellsRegularFilesFromDevicesFifosAndLinksToDevices()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix file types");
        }
        string regular = Path.Combine(_dir, "a.txt");
        File.WriteAllText(regular, "x");
        string link = Path.Combine(_dir, "zero.dcm");
        File.CreateSymbolicLink(link, "/dev/zero");
        string linkToRegular = Path.Combine(_dir, "b.txt");
        File.CreateSymbolicLink(linkToRegular, regular);
        string fifo = Path.Combine(_dir, "x.nii");
        MakeFifo(fifo);
        Assert.Multiple(() =>
        {
            Assert.That(InputFile.NotRegularReason(regular), Is.Null);
            Assert.That(InputFile.NotRegularReason(linkToRegular), Is.Null);
            Assert.That(InputFile.NotRegularReason(link), Is.EqualTo("a character device"));
            Assert.That(InputFile.NotRegularReason(fifo), Is.EqualTo("a FIFO (named pipe)"));
            Assert.That(InputFile.NotRegularReason(_dir), Is.EqualTo("a folder"));
            Assert.That(InputFile.NotRegularReason(Path.Combine(_dir, "nope")), Is.EqualTo("missing"));
        });
    }

    [Test]
    public void InputFile_ReadAllText_RefusesOversizedFiles()
    {
        string path = Path.Combine(_dir, "big.json");
        File.WriteAllText(path, new string(' ', 2000));
        var ex = Assert.Throws<DatasetException>(() => InputFile.ReadAllText(path, 1000, m => new DatasetException(m)))!;
        Assert.That(ex.Message, Does.Contain("2000 bytes").And.Contain(path));
    }

    [Test]
    public void OutputGuard_RefusesAnInputFile_AFileInsideAnInputFolder_AndALinkToAnInput()
    {
        string refDir = Path.Combine(_dir, "ref");
        Directory.CreateDirectory(refDir);
        string refFile = Path.Combine(refDir, "sub-01.nii.gz");
        File.WriteAllText(refFile, "truth");
        string labels = Path.Combine(_dir, "labels.json");
        File.WriteAllText(labels, "{}");
        string link = Path.Combine(_dir, "link.csv");
        File.CreateSymbolicLink(link, labels);
        Assert.Multiple(() =>
        {
            Assert.That(() => OutputGuard.RefuseInputs(refFile, "--out", (refDir, "--ref")),
                Throws.TypeOf<OutputConflictException>().With.Message.Contains("--ref").And.Message.Contains(refFile));
            Assert.That(() => OutputGuard.RefuseInputs(labels, "--out", (refDir, "--ref"), (labels, "--labels")),
                Throws.TypeOf<OutputConflictException>().With.Message.Contains("--labels"));
            Assert.That(() => OutputGuard.RefuseInputs(link, "--out", (labels, "--labels")),
                Throws.TypeOf<OutputConflictException>());
            Assert.That(() => OutputGuard.RefuseInputs(Path.Combine(_dir, "metrics.csv"), "--out", (refDir, "--ref"), (labels, "--labels"), (null, "--x")), Throws.Nothing);
            Assert.That(() => OutputGuard.RefuseInputs(Path.Combine(refDir, "new.csv"), "--out", (refDir, "--ref")), Throws.Nothing);
        });
        Assert.That(File.ReadAllText(refFile), Is.EqualTo("truth"));
    }

    [Test]
    public void OutputGuard_RequireEmptyFolder_IgnoresStaleTempsOnly()
    {
        string dir = Path.Combine(_dir, "cohort");
        Assert.That(() => OutputGuard.RequireEmptyFolder(dir, "--out", false), Throws.Nothing, "a missing folder is fine");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, $".manifest.csv.{Guid.NewGuid():N}.tmp"), "partial");
        Assert.That(() => OutputGuard.RequireEmptyFolder(dir, "--out", false), Throws.Nothing, "a stale temp does not count");
        File.WriteAllText(Path.Combine(dir, "manifest.csv"), "x");
        Assert.That(() => OutputGuard.RequireEmptyFolder(dir, "--out", false, "remove it"),
            Throws.TypeOf<OutputConflictException>().With.Message.Contains("manifest.csv").And.Message.Contains("remove it"));
        Assert.That(() => OutputGuard.RequireEmptyFolder(dir, "--out", true), Throws.Nothing);
    }

    [Test]
    public void OutputGuard_RefuseOtherRunsResults_RefusesAFinishedModelWithoutItsResumeRecord_UnlessOverwrite()
    {
        string model = Path.Combine(_dir, "model");
        string[] results = ["manifest.json", "model.bin"];
        Assert.That(() => OutputGuard.RefuseOtherRunsResults(model, "--out", false, "checkpoint.bin", results), Throws.Nothing, "a new folder");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, "splits.json"), "{}");
        Assert.That(() => OutputGuard.RefuseOtherRunsResults(model, "--out", false, "checkpoint.bin", results), Throws.Nothing, "no result yet");
        File.WriteAllText(Path.Combine(model, "manifest.json"), "{}");
        Assert.That(() => OutputGuard.RefuseOtherRunsResults(model, "--out", false, "checkpoint.bin", results, "Pass --overwrite."),
            Throws.TypeOf<OutputConflictException>().With.Message.Contains(Path.Combine(model, "manifest.json"))
                .And.Message.Contains("--out").And.Message.Contains("checkpoint.bin").And.Message.Contains("Pass --overwrite."));
        Assert.That(() => OutputGuard.RefuseOtherRunsResults(model, "--out", true, "checkpoint.bin", results), Throws.Nothing, "overwrite allowed");
        File.WriteAllText(Path.Combine(model, "checkpoint.bin"), "x");
        Assert.That(() => OutputGuard.RefuseOtherRunsResults(model, "--out", false, "checkpoint.bin", results), Throws.Nothing, "a run to resume");
        string file = Path.Combine(_dir, "file");
        File.WriteAllText(file, "x");
        Assert.That(() => OutputGuard.RefuseOtherRunsResults(file, "--out", true, "checkpoint.bin", results), Throws.TypeOf<OutputConflictException>());
    }

    [Test]
    public void AtomicFile_NextWriteRemovesTheTempOfAKilledWrite_ButNotOthers()
    {
        string target = Path.Combine(_dir, "checkpoint.bin");
        string stale = Path.Combine(_dir, $".checkpoint.bin.{Guid.NewGuid():N}.tmp");
        string otherTarget = Path.Combine(_dir, $".other.bin.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(stale, "half a checkpoint");
        File.WriteAllText(otherTarget, "someone else");
        File.SetLastWriteTimeUtc(stale, DateTime.UtcNow.AddMinutes(-1));
        File.SetLastWriteTimeUtc(otherTarget, DateTime.UtcNow.AddMinutes(-1));
        AtomicFile.WriteAllText(target, "done");
        Assert.Multiple(() =>
        {
            Assert.That(File.ReadAllText(target), Is.EqualTo("done"));
            Assert.That(File.Exists(stale), Is.False, "the killed write's temp of the same target is removed");
            Assert.That(File.Exists(otherTarget), Is.True, "temps of other targets are left alone");
            Assert.That(AtomicFile.TargetOfTemp(Path.GetFileName(stale)), Is.EqualTo("checkpoint.bin"));
            Assert.That(AtomicFile.TargetOfTemp(".x.tmp"), Is.Null);
        });
    }
}
