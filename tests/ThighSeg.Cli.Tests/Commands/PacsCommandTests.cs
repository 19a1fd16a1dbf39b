using ThighSeg.Cli.Tests.Support;
using ThighSeg.IO;
using ThighSeg.IO.Dicom;
using ThighSeg.IO.DicomWeb;
using ThighSeg.IO.Tests.Dicom;
using ThighSeg.Tests.Support;
using ThighSeg.Torch.Inference;
using static ThighSeg.Cli.Tests.Support.CliRunner;

namespace ThighSeg.Cli.Tests.Commands;

/// <summary>
/// <c>thighseg pacs</c> against a real Orthanc with the DICOMweb plugin (started here, loopback, own storage, stopped
/// by PID): a phantom subject stored in the PACS as an MR series is found, retrieved, segmented by a tiny model
/// (fine-tuned for one step: the round trip is tested, not accuracy) and its SEG stored back; the stored SEG passes
/// dciodvfy and reads back as exactly the labels the model predicts locally.
/// </summary>
[TestFixture]
[Category("Orthanc")]
[Category("Slow")] // starts Orthanc and fine-tunes a model: about 30 s on a loaded 2-core machine
public sealed class PacsCommandTests
{
    private const string StudyUid = "1.2.826.0.1.3680043.8.498.7001";
    private const string SeriesUid = "1.2.826.0.1.3680043.8.498.7002";

    private string _dir = null!;
    private string _model = null!;
    private string _series = null!;
    private OrthancServer _orthanc = null!;

    [OneTimeSetUp]
    public void Prepare()
    {
        _dir = Directory.CreateTempSubdirectory("thighseg-cli-pacs-").FullName;
        var cohort = TinyCohort.Create(_dir, subjects: 2);
        _model = cohort.Model;
        string image = cohort.ImageFiles[0];
        _series = Path.Combine(_dir, "series");
        PhantomDicom.WriteSeries(VolumeFormats.Default.Read(image).Image, _series, SeriesUid, StudyUid);
        _orthanc = OrthancServer.Start();
        _orthanc.Upload(Directory.EnumerateFiles(_series));
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        _orthanc?.Dispose();
        if (_dir is not null && Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private string[] Pacs(params string[] extra) =>
        ["pacs", "--url", _orthanc.DicomWebRoot.ToString(), "--study", StudyUid, "--model", _model, "--user", OrthancServer.User, "--device", "cpu", .. extra];

    [Test]
    public async Task Pacs_FindsRetrievesSegmentsAndStoresTheSeg()
    {
        int before = _orthanc.InstanceCount();
        string outDir = Path.Combine(_dir, "out-" + Guid.NewGuid().ToString("N"));
        var r = Run(Pacs("--password", OrthancServer.Password, "--out", outDir));
        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        Assert.That(r.Out, Does.Contain("stored SEG"));
        Assert.That(_orthanc.InstanceCount(), Is.EqualTo(before + 1));

        // The stored SEG, retrieved from the PACS, passes dciodvfy and holds exactly the labels the model predicts locally.
        using var client = new DicomWebClient(new DicomWebOptions { BaseUri = _orthanc.DicomWebRoot, UserName = OrthancServer.User, Password = OrthancServer.Password });
        var seg = (await client.SearchSeriesAsync(StudyUid)).Single(x => x.Modality == "SEG");
        string segFolder = Path.Combine(_dir, "seg-" + Guid.NewGuid().ToString("N"));
        string segFile = (await client.RetrieveSeriesAsync(StudyUid, seg.SeriesInstanceUid, segFolder)).Single();
        if (ExternalTool.Find("dciodvfy") is string dciodvfy)
        {
            var (_, report) = ExternalTool.Run(dciodvfy, segFile);
            Assert.That(report.Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal)), Is.Empty, report);
        }
        var source = new DicomSeriesReader().Read(_series).Image;
        using var segmenter = VolumeSegmenter.Load(_model, Torch.ComputeDevice.Cpu);
        var expected = segmenter.Predict(source).Labels;
        var back = DicomSegReader.Read(segFile, source.Shape, source.Affine, segmenter.Model.Classes);
        Assert.That(back.Labels.Data, Is.EqualTo(expected.Data));
        Assert.That(back.ReferencedSeriesInstanceUids, Is.EqualTo(new[] { SeriesUid }));
        Assert.That(File.Exists(Path.Combine(outDir, SeriesUid + ".seg.dcm")), Is.True);
    }

    [Test]
    public void Pacs_WrongPassword_FailsWith401_AndStoresNothing()
    {
        int before = _orthanc.InstanceCount();
        var r = Run(Pacs("--password", "wrong"));
        Assert.That(r.Code, Is.EqualTo(1), r.Out);
        Assert.That(r.Err, Does.Contain("401"));
        Assert.That(_orthanc.InstanceCount(), Is.EqualTo(before));
    }

    [Test]
    public void Pacs_UnknownSeries_Fails_AndStoresNothing()
    {
        int before = _orthanc.InstanceCount();
        var r = Run(Pacs("--password", OrthancServer.Password, "--series", "1.2.3.4.5.6"));
        Assert.That(r.Code, Is.EqualTo(1), r.Out);
        Assert.That(r.Err, Does.Contain("1.2.3.4.5.6"));
        Assert.That(_orthanc.InstanceCount(), Is.EqualTo(before));
    }

    [Test]
    public void Pacs_BadArguments_AreUsageErrors()
    {
        Assert.That(Run("pacs", "--url", "ftp://x", "--study", "1.2", "--model", _model).Code, Is.EqualTo(2));
        Assert.That(Run("pacs", "--url", "http://127.0.0.1:1/dicom-web", "--study", "abc", "--model", _model).Code, Is.EqualTo(2));
        Assert.That(Run("pacs", "--url", "http://127.0.0.1:1/dicom-web", "--study", "1.2", "--model", _model, "--user", "u").Code, Is.EqualTo(2));
        Assert.That(Run("pacs", "--url", "http://127.0.0.1:1/dicom-web", "--study", "1.2", "--model", _model, "--no-store").Code, Is.EqualTo(2));
    }
}
