using System.Net;
using System.Net.Sockets;
using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Dicom;
using ThighSeg.IO.DicomWeb;
using ThighSeg.IO.Tests.Dicom;
using ThighSeg.Tests.Support;

namespace ThighSeg.IO.Tests.DicomWeb;

/// <summary>
/// The DICOMweb client against a real Orthanc (started here on the loopback address with its own storage and
/// configuration, stopped by its PID): QIDO-RS search, WADO-RS retrieval, STOW-RS store of a SEG and its retrieval,
/// and the errors for 401, 404, timeouts and refused objects.
/// </summary>
[TestFixture]
[Category("Orthanc")]
public sealed class DicomWebClientTests
{
    private static readonly LabelMap Labels = LabelMap.FromNames(new Dictionary<int, string> { [1] = "left_gracilis", [2] = "right_sartorius" });

    private OrthancServer _orthanc = null!;
    private string _work = null!;
    private string _series = null!;

    [OneTimeSetUp]
    public void StartOrthanc()
    {
        _work = Directory.CreateTempSubdirectory("thighseg-dicomweb-").FullName;
        _series = Path.Combine(_work, "source");
        SegTestSeries.Write(_series, rows: 16, cols: 12, slices: 4);
        _orthanc = OrthancServer.Start();
        _orthanc.Upload(Directory.EnumerateFiles(_series));
    }

    [OneTimeTearDown]
    public void StopOrthanc()
    {
        _orthanc?.Dispose();
        if (_work is not null && Directory.Exists(_work))
        {
            Directory.Delete(_work, recursive: true);
        }
    }

    private DicomWebClient Client(string? password = OrthancServer.Password, TimeSpan? timeout = null) => new(new DicomWebOptions
    {
        BaseUri = _orthanc.DicomWebRoot,
        UserName = OrthancServer.User,
        Password = password,
        Timeout = timeout ?? TimeSpan.FromSeconds(30),
    });

    [Test]
    public async Task Search_Retrieve_Store_RoundTrip()
    {
        using var client = Client();
        var found = await client.SearchSeriesAsync(SegTestSeries.StudyUid);
        var mr = found.Single(s => s.SeriesInstanceUid == SegTestSeries.SeriesUid);
        Assert.That(mr.Modality, Is.EqualTo("MR"));
        Assert.That(mr.Instances, Is.EqualTo(4));

        string retrieved = Path.Combine(_work, "retrieved-" + Guid.NewGuid().ToString("N"));
        var files = await client.RetrieveSeriesAsync(SegTestSeries.StudyUid, SegTestSeries.SeriesUid, retrieved);
        Assert.That(files, Has.Count.EqualTo(4));
        var original = new DicomSeriesReader().Read(_series).Image;
        var back = new DicomSeriesReader().Read(retrieved).Image;
        Assert.That(back.Data, Is.EqualTo(original.Data));
        Assert.That(back.Affine.ApproximatelyEquals(original.Affine, 1e-9), Is.True);

        // A SEG of the retrieved series goes back by STOW-RS and comes back by WADO-RS with the same labels.
        var labels = new Volume<int>(back.Shape, back.Affine);
        for (int i = 0; i < labels.Data.Length; i++)
        {
            labels.Data[i] = i % 7 == 0 ? 1 : i % 11 == 0 ? 2 : 0;
        }
        var (bytes, summary) = DicomSegWriter.Encode(labels, Labels, DicomSourceSeries.Read(retrieved));
        var stored = await client.StoreAsync([bytes], [summary.SopInstanceUid]);
        Assert.That(stored.StoredSopInstanceUids, Is.EqualTo(new[] { summary.SopInstanceUid }));

        var after = await client.SearchSeriesAsync(SegTestSeries.StudyUid, summary.SeriesInstanceUid);
        Assert.That(after.Single().Modality, Is.EqualTo("SEG"));
        string segFolder = Path.Combine(_work, "seg-" + Guid.NewGuid().ToString("N"));
        var segFiles = await client.RetrieveSeriesAsync(SegTestSeries.StudyUid, summary.SeriesInstanceUid, segFolder);
        var read = DicomSegReader.Read(segFiles.Single(), back.Shape, back.Affine, Labels);
        Assert.That(read.Labels.Data, Is.EqualTo(labels.Data));
    }

    [Test]
    public void WrongPassword_Is401_WithAClearMessage()
    {
        using var client = Client(password: "wrong");
        var ex = Assert.ThrowsAsync<DicomWebException>(() => client.SearchSeriesAsync(SegTestSeries.StudyUid));
        Assert.That(ex!.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        Assert.That(ex.Message, Does.Contain("401").And.Contain("user name and password"));
    }

    [Test]
    public void UnknownStudyOrSeries_IsNotFound_AndLeavesNoFolder()
    {
        using var client = Client();
        var search = Assert.ThrowsAsync<DicomWebException>(() => client.SearchSeriesAsync("1.2.3.999"));
        Assert.That(search!.Message, Does.Contain("1.2.3.999"));
        Assert.That(search.StatusCode, Is.EqualTo(HttpStatusCode.NotFound));

        string target = Path.Combine(_work, "missing-" + Guid.NewGuid().ToString("N"));
        var retrieve = Assert.ThrowsAsync<DicomWebException>(() => client.RetrieveSeriesAsync(SegTestSeries.StudyUid, "1.2.3.998", target));
        Assert.That(retrieve!.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), retrieve.Message);
        Assert.That(Directory.Exists(target), Is.False);
        Assert.That(Directory.EnumerateDirectories(_work, "*.partial"), Is.Empty);
    }

    [Test]
    public void RefusedObject_IsAnError_AndNothingIsStored()
    {
        using var client = Client();
        int before = _orthanc.InstanceCount();
        byte[] notDicom = new byte[300];
        "DICM"u8.CopyTo(notDicom.AsSpan(128));
        var ex = Assert.ThrowsAsync<DicomWebException>(() => client.StoreAsync([notDicom], ["1.2.3.4"]));
        Assert.That(ex!.Message, Does.Contain("STOW-RS"));
        Assert.That(_orthanc.InstanceCount(), Is.EqualTo(before));
    }

    [Test]
    public void SilentServer_TimesOut_WithAClearMessage()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        try
        {
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            using var client = new DicomWebClient(new DicomWebOptions { BaseUri = new Uri($"http://127.0.0.1:{port}/dicom-web"), Timeout = TimeSpan.FromSeconds(1) });
            var ex = Assert.ThrowsAsync<DicomWebException>(() => client.SearchSeriesAsync("1.2.3"));
            Assert.That(ex!.Message, Does.Contain("timed out").And.Contain("1 s"));
        }
        finally
        {
            listener.Stop();
        }
    }

    [Test]
    public void Options_AreValidated()
    {
        Assert.Throws<ArgumentException>(() => new DicomWebOptions { BaseUri = new Uri("ftp://x/") }.Validate());
        Assert.Throws<ArgumentException>(() => new DicomWebOptions { BaseUri = new Uri("http://x/"), UserName = "a" }.Validate());
        Assert.Throws<ArgumentException>(() => new DicomWebOptions { BaseUri = new Uri("http://x/"), Timeout = TimeSpan.Zero }.Validate());
        Assert.Throws<ArgumentException>(() => new DicomWebOptions { BaseUri = new Uri("https://x/"), CaCertificateFile = "/nonexistent.pem" }.Validate());
    }
}
