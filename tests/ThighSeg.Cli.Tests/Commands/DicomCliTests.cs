using System.Diagnostics;
using System.Text.Json;
using ThighSeg.IO.Nifti;
using static ThighSeg.Cli.Tests.Support.CliRunner;

namespace ThighSeg.Cli.Tests.Commands;

/// <summary>
/// <c>thighseg info</c> and <c>thighseg convert</c> on a DICOM series folder: an oblique 12-slice series written by
/// pydicom (tests/reference/dicom_series.py), whose dcm2niix conversion is the reference.
/// </summary>
[TestFixture]
public sealed class DicomCliTests
{
    private string _dir = "";
    private JsonElement _reference;

    [OneTimeSetUp]
    public void WriteSeries()
    {
        _dir = Directory.CreateTempSubdirectory("thighseg-cli-dicom-").FullName;
        _reference = RunReference(_dir);
    }

    [OneTimeTearDown]
    public void DeleteDir()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Test]
    public void Info_OnDicomFolder_PrintsDcm2niixGeometry()
    {
        var (code, stdout, stderr) = Run("info", _reference.GetProperty("series_dir").GetString()!);
        Assert.That(code, Is.Zero, stderr);
        using var doc = JsonDocument.Parse(stdout);
        var root = doc.RootElement;
        Assert.That(root.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32()),
            Is.EqualTo(_reference.GetProperty("shape").EnumerateArray().Select(e => e.GetInt32())));
        Assert.That(root.GetProperty("datatype").GetString(), Is.EqualTo("int16"));
        double[] affine = root.GetProperty("affine").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(e => e.GetDouble())).ToArray();
        double[] expected = _reference.GetProperty("affine").EnumerateArray().SelectMany(r => r.EnumerateArray().Select(e => e.GetDouble())).ToArray();
        Assert.That(affine, Is.EqualTo(expected).Within(1e-4));
        Assert.That(root.GetProperty("min").GetDouble(), Is.EqualTo(_reference.GetProperty("min").GetDouble()));
        Assert.That(root.GetProperty("max").GetDouble(), Is.EqualTo(_reference.GetProperty("max").GetDouble()));
    }

    [Test]
    public void Convert_OnDicomFolder_WritesTheSameVolumeAsDcm2niix()
    {
        string output = Path.Combine(_dir, "thighseg.nii.gz");
        var (code, _, stderr) = Run("convert", _reference.GetProperty("series_dir").GetString()!, output);
        Assert.That(code, Is.Zero, stderr);
        var ours = new NiftiReader().Read(output).Image;
        var theirs = new NiftiReader().Read(_reference.GetProperty("nifti").GetString()!).Image;
        Assert.That(ours.Shape, Is.EqualTo(theirs.Shape));
        Assert.That(ours.Affine.ApproximatelyEquals(theirs.Affine, 1e-4), Is.True, $"ThighSeg {ours.Affine} vs dcm2niix {theirs.Affine}");
        Assert.That(ours.Data, Is.EqualTo(theirs.Data), "voxel values in the same order as dcm2niix");
    }

    [Test]
    public void Info_OnFolderWithSeveralSeries_FailsListingThem()
    {
        string two = Path.Combine(_dir, "two");
        Directory.CreateDirectory(two);
        string series = _reference.GetProperty("series_dir").GetString()!;
        string first = Directory.GetFiles(series).Order(StringComparer.Ordinal).First();
        File.Copy(first, Path.Combine(two, "a"));
        // The same file with another SeriesInstanceUID (same length, so no other byte moves).
        byte[] bytes = File.ReadAllBytes(first);
        string uid = _reference.GetProperty("series_uid").GetString()!;
        int at = bytes.AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(uid));
        Assert.That(at, Is.GreaterThan(0));
        bytes[at + uid.Length - 1] = (byte)(bytes[at + uid.Length - 1] == (byte)'1' ? '2' : '1');
        File.WriteAllBytes(Path.Combine(two, "b"), bytes);

        var (code, _, stderr) = Run("info", two);
        Assert.That(code, Is.EqualTo(1));
        Assert.That(stderr, Does.Contain("2 series").And.Contain(uid).And.Contain("--series"));
        (code, string stdout, stderr) = Run("info", two, "--series", uid);
        Assert.That(code, Is.Zero, stderr);
        Assert.That(stdout, Does.Contain("\"shape\""));
    }

    private static JsonElement RunReference(string work)
    {
        const string python = "/usr/bin/python3";
        if (!File.Exists(python))
        {
            Assert.Ignore($"{python} missing: the DICOM CLI tests need python3-pydicom, python3-nibabel and dcm2niix.");
        }
        string? script = null;
        for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null && script is null; d = d.Parent)
        {
            string candidate = Path.Combine(d.FullName, "tests", "reference", "dicom_series.py");
            script = File.Exists(candidate) ? candidate : null;
        }
        Assert.That(script, Is.Not.Null, "tests/reference/dicom_series.py not found");
        var psi = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script!);
        psi.ArgumentList.Add(work);
        using var p = Process.Start(psi)!;
        var err = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.That(p.WaitForExit(120_000), Is.True, "dicom_series.py timed out");
        if (p.ExitCode == 3)
        {
            Assert.Ignore($"dicom_series.py cannot run here: {stdout.Trim()}");
        }
        Assert.That(p.ExitCode, Is.Zero, err.Result);
        return JsonDocument.Parse(stdout).RootElement.Clone();
    }
}
