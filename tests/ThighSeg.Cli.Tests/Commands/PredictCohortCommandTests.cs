using System.Diagnostics;
using System.Text.Json.Nodes;
using ThighSeg.Cli.Tests.Slurm;
using ThighSeg.Cli.Tests.Support;
using ThighSeg.IO;
using ThighSeg.IO.Cohort;
using ThighSeg.IO.Tests.Dicom;

namespace ThighSeg.Cli.Tests.Commands;

/// <summary>
/// <c>thighseg predict</c> as a cohort job, through the CLI with a real (tiny) model: one test per problem found by
/// trying it as a new user with a cohort would (issue 14, "Why"). Each test fails if the behaviour it guards is removed.
/// </summary>
[TestFixture]
[NonParallelizable]
public sealed class PredictCohortCommandTests
{
    private string _dir = null!;
    private TinyCohort _cohort = null!;

    [OneTimeSetUp]
    public void Prepare()
    {
        _dir = Directory.CreateTempSubdirectory("thighseg-cli-cohort-").FullName;
        _cohort = TinyCohort.Create(_dir, subjects: 9);
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        if (_dir is not null && Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    private string NewDir(string name)
    {
        string dir = Path.Combine(_dir, name + "-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        return dir;
    }

    /// <summary>An input folder holding copies of the cohort's images <paramref name="indices"/> (optionally renamed).</summary>
    private string Input(IEnumerable<int> indices, Func<string, string>? rename = null)
    {
        string dir = NewDir("in");
        foreach (int i in indices)
        {
            string name = Path.GetFileName(_cohort.ImageFiles[i]);
            File.Copy(_cohort.ImageFiles[i], Path.Combine(dir, rename?.Invoke(name) ?? name));
        }
        return dir;
    }

    private (int Code, string Out, string Err) Predict(string input, string outDir, params string[] extra) =>
        CliRunner.Run(["predict", "--model", _cohort.Model, "--input", input, "--out", outDir, "--threads", "1", "--no-tta", .. extra]);

    private static List<string> VolumeSubjects(string outDir) =>
        Csv(Path.Combine(outDir, "volumes.csv")).Select(r => r[0]).Distinct().ToList();

    /// <summary>The data rows of an RFC 4180 file (header skipped), quoted fields unquoted.</summary>
    private static List<string[]> Csv(string path)
    {
        var rows = new List<string[]>();
        foreach (string line in File.ReadAllLines(path).Skip(1))
        {
            var fields = new List<string>();
            var field = new System.Text.StringBuilder();
            bool quoted = false;
            for (int i = 0; i < line.Length; i++)
            {
                char c = line[i];
                if (quoted)
                {
                    if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { field.Append('"'); i++; }
                    else if (c == '"') { quoted = false; }
                    else { field.Append(c); }
                }
                else if (c == '"') { quoted = true; }
                else if (c == ',') { fields.Add(field.ToString()); field.Clear(); }
                else { field.Append(c); }
            }
            fields.Add(field.ToString());
            rows.Add([.. fields]);
        }
        return rows;
    }

    private static string Id(string fileName) => SlurmCohortTests.CaseId(fileName);

    [Test]
    public void ARunIntoAFolderHoldingEightSubjectsResults_KeepsEverySubjectsVolumeRowsAndFiles()
    {
        string outDir = NewDir("out");
        var first = Predict(Input(Enumerable.Range(0, 8)), outDir);
        Assert.That(first.Code, Is.Zero, first.Err + first.Out);
        var before = Directory.EnumerateFiles(outDir, "*.nii.gz").ToDictionary(f => f, File.ReadAllBytes);
        Assert.That(before, Has.Count.EqualTo(8));

        var second = Predict(Input([8]), outDir);
        Assert.That(second.Code, Is.Zero, second.Err + second.Out);

        Assert.That(VolumeSubjects(outDir), Is.EquivalentTo(_cohort.ImageFiles.Select(f => Id(Path.GetFileName(f)))), "all nine subjects' rows");
        foreach (var (file, bytes) in before)
        {
            Assert.That(File.ReadAllBytes(file), Is.EqualTo(bytes), file + " untouched");
        }
    }

    [Test]
    public void NiiAndNiiGzOfOneName_GiveTwoDistinctOutputs()
    {
        string input = NewDir("in");
        string name = Id(Path.GetFileName(_cohort.ImageFiles[0]));
        File.Copy(_cohort.ImageFiles[0], Path.Combine(input, name + ".nii.gz"));
        VolumeFormats.Default.WriteImage(Path.Combine(input, name + ".nii"), VolumeFormats.Default.Read(_cohort.ImageFiles[1]).Image);
        string outDir = NewDir("out");

        var r = Predict(input, outDir);

        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        var maps = Directory.EnumerateFiles(outDir, "*.nii.gz").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        Assert.That(maps, Has.Count.EqualTo(2), string.Join(", ", maps));
        Assert.That(VolumeSubjects(outDir), Has.Count.EqualTo(2));
        var labels = maps.Select(m => VolumeFormats.Default.Read(Path.Combine(outDir, m!)).Image.Data).ToList();
        Assert.That(labels[0], Is.Not.EqualTo(labels[1]), "each output is its own input's prediction");
    }

    [Test]
    public void AKilledRun_KeepsTheFinishedCasesVolumes_AndARerunCompletesTheRest()
    {
        // Case 2 of 3 takes 24 times as long: the process is killed (SIGKILL) while its network is busy with it.
        string input = Input([0, 2]);
        _cohort.WriteSlow(1, Path.Combine(input, Path.GetFileName(_cohort.ImageFiles[1])));
        string outDir = NewDir("out");
        string firstCase = Id(Path.GetFileName(_cohort.ImageFiles[0]));
        var psi = new ProcessStartInfo("bash", ["-c", $"exec {CliRunner.ExternalCommand()} predict --model '{_cohort.Model}' --input '{input}' --out '{outDir}' --threads 1 --no-tta"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using (var process = Process.Start(psi)!)
        {
            try
            {
                SlurmCohortTests.WaitFor(() => SlurmCohortTests.IsDone(Path.Combine(outDir, "cases", firstCase, "record.json")), TimeSpan.FromSeconds(60),
                    () => "the first case never finished: " + (process.HasExited ? process.StandardError.ReadToEnd() : "still running"));
                Assert.That(process.HasExited, Is.False, "the process is still busy with the slow case");
            }
            finally
            {
                process.Kill(entireProcessTree: true);
                process.WaitForExit();
            }
        }

        Assert.That(Csv(Path.Combine(outDir, "cases", firstCase, "volumes.csv")).Select(r => r[0]).Distinct(), Is.EqualTo(new[] { firstCase }),
            "the finished case's volumes were written when it finished");
        var collect = CliRunner.Run("collect", "--out", outDir);
        Assert.That(collect.Code, Is.Zero, collect.Err);
        Assert.That(VolumeSubjects(outDir), Is.EqualTo(new[] { firstCase }), "only the finished case; nothing half-written");

        var rerun = Predict(input, outDir);
        Assert.That(rerun.Code, Is.Zero, rerun.Err + rerun.Out);
        Assert.That(rerun.Out, Does.Contain("predicted 2, skipped 1"));
        Assert.That(VolumeSubjects(outDir), Is.EquivalentTo(new[] { 0, 1, 2 }.Select(i => Id(Path.GetFileName(_cohort.ImageFiles[i])))));
        Assert.That(Directory.EnumerateFiles(outDir, "*.tmp", SearchOption.AllDirectories), Is.Empty, "no temp file left");
    }

    [Test]
    public void ANameWithACommaAndAQuote_IsQuotedInVolumesCsv()
    {
        string input = Input([0], _ => "smith,john \"jr\".nii.gz");
        string outDir = NewDir("out");

        var r = Predict(input, outDir);

        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        string[] lines = File.ReadAllLines(Path.Combine(outDir, "volumes.csv"));
        Assert.That(lines.Skip(1), Is.Not.Empty);
        Assert.That(lines.Skip(1), Has.All.StartsWith("\"smith,john \"\"jr\"\"\","));
        Assert.That(Csv(Path.Combine(outDir, "volumes.csv")).Select(f => f.Length).Distinct(), Is.EqualTo(new[] { lines[0].Split(',').Length }), "every row has the header's field count");
    }

    [Test]
    public void AnUnreadableFile_IsRecordedInFailuresCsv_TheLaterFilesArePredicted_AndTheExitCodeCountsIt()
    {
        string input = Input([0, 1]);
        File.WriteAllBytes(Path.Combine(input, "000_broken.nii.gz"), [0x1f, 0x8b, 1, 2, 3]);
        string outDir = NewDir("out");

        var r = Predict(input, outDir);

        Assert.That(r.Code, Is.EqualTo(11), r.Err + r.Out);
        var failures = Csv(Path.Combine(outDir, CohortOutput.FailuresFile));
        Assert.That(failures.Select(f => f[0]), Is.EqualTo(new[] { "000_broken" }));
        Assert.That(VolumeSubjects(outDir), Is.EquivalentTo(new[] { 0, 1 }.Select(i => Id(Path.GetFileName(_cohort.ImageFiles[i])))));
        Assert.That(r.Out, Does.Contain("failed: 000_broken"));
    }

    [Test]
    public void NestedPatientStudySeriesFolders_AndAMixedNiftiAndDicomFolder_AreAllPredicted()
    {
        string input = NewDir("in");
        var image = VolumeFormats.Default.Read(_cohort.ImageFiles[0]).Image;
        PhantomDicom.WriteSeries(image, Path.Combine(input, "patient1", "study1", "series1"), "1.2.826.0.1.3680043.8.498.9101", "1.2.826.0.1.3680043.8.498.9100");
        string nested = Path.Combine(input, "patient2", "study1", "series1");
        Directory.CreateDirectory(nested);
        File.Copy(_cohort.ImageFiles[1], Path.Combine(nested, "t1.nii.gz"));
        string mixed = Path.Combine(input, "patient3");
        PhantomDicom.WriteSeries(VolumeFormats.Default.Read(_cohort.ImageFiles[2]).Image, mixed, "1.2.826.0.1.3680043.8.498.9201", "1.2.826.0.1.3680043.8.498.9200");
        File.Copy(_cohort.ImageFiles[3], Path.Combine(mixed, "extra.nii.gz"));
        string outDir = NewDir("out");

        var r = Predict(input, outDir);

        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        Assert.That(VolumeSubjects(outDir), Is.EquivalentTo(new[] { "patient1/study1/series1", "patient2/study1/series1/t1", "patient3", "patient3/extra" }));
        foreach (string map in new[] { "patient1/study1/series1.nii.gz", "patient2/study1/series1/t1.nii.gz", "patient3.nii.gz", "patient3/extra.nii.gz" })
        {
            Assert.That(File.Exists(Path.Combine(outDir, map)), Is.True, map);
        }
        var fromDicom = VolumeFormats.Default.Read(Path.Combine(outDir, "patient1/study1/series1.nii.gz")).Image;
        Assert.That(fromDicom.Shape, Is.EqualTo(image.Shape), "the label map has the series' geometry");
    }

    [Test]
    public void SeriesAndVolumeOptions_ChooseWhatAFolderOrA4dFileHolds()
    {
        string twoSeries = NewDir("series");
        var image = VolumeFormats.Default.Read(_cohort.ImageFiles[0]).Image;
        const string Wanted = "1.2.826.0.1.3680043.8.498.9302";
        PhantomDicom.WriteSeries(image, twoSeries, "1.2.826.0.1.3680043.8.498.9301", "1.2.826.0.1.3680043.8.498.9300", "1.2.826.0.1.3680043.8.498.931", "a");
        PhantomDicom.WriteSeries(image, twoSeries, Wanted, "1.2.826.0.1.3680043.8.498.9300", "1.2.826.0.1.3680043.8.498.932", "b");

        var without = Predict(twoSeries, NewDir("out"));
        Assert.That(without.Code, Is.EqualTo(11), without.Err + without.Out);
        Assert.That(without.Out, Does.Contain("--series"));
        string outSeries = NewDir("out");
        var with = Predict(twoSeries, outSeries, "--series", Wanted);
        Assert.That(with.Code, Is.Zero, with.Err + with.Out);
        Assert.That(Directory.EnumerateFiles(outSeries, "*.nii.gz").Count(), Is.EqualTo(1));

        string folder4d = NewDir("4d");
        string file4d = Path.Combine(folder4d, "dyn.nii.gz");
        var (code, output) = ExternalTool.Run("/usr/bin/python3", "-c",
            "import sys, nibabel as nib, numpy as np; im = nib.load(sys.argv[1]); d = np.asarray(im.dataobj, dtype=np.float32); "
            + "nib.save(nib.Nifti1Image(np.stack([d, d[::-1]], -1), im.affine), sys.argv[2])", _cohort.ImageFiles[0], file4d);
        if (code != 0)
        {
            Assert.Ignore("/usr/bin/python3 with nibabel (Debian python3-nibabel) is needed to write a 4D NIfTI: " + output);
        }
        var no = Predict(folder4d, NewDir("out"));
        Assert.That(no.Code, Is.EqualTo(11), no.Err + no.Out);
        Assert.That(no.Out, Does.Contain("--volume"));
        string out4d = NewDir("out");
        var yes = Predict(folder4d, out4d, "--volume", "1");
        Assert.That(yes.Code, Is.Zero, yes.Err + yes.Out);
        Assert.That(File.Exists(Path.Combine(out4d, "dyn.nii.gz")), Is.True);
    }

    [Test]
    public void ATruncatedOutput_CountsAsNotDone_AndIsRedone()
    {
        string input = Input([0, 1]);
        string outDir = NewDir("out");
        Assert.That(Predict(input, outDir).Code, Is.Zero);
        string map = Path.Combine(outDir, Id(Path.GetFileName(_cohort.ImageFiles[0])) + ".nii.gz");
        byte[] whole = File.ReadAllBytes(map);
        File.WriteAllBytes(map, whole[..(whole.Length / 2)]);

        var rerun = Predict(input, outDir);

        Assert.That(rerun.Code, Is.Zero, rerun.Err + rerun.Out);
        Assert.That(rerun.Out, Does.Contain("predicted 1, skipped 1"));
        Assert.That(File.ReadAllBytes(map), Is.EqualTo(whole));
    }

    [Test]
    public void AnOutputFromAnotherModel_IsNotReplaced_UnlessOverwrite()
    {
        string input = Input([0]);
        string outDir = NewDir("out");
        Assert.That(Predict(input, outDir).Code, Is.Zero);
        string map = Path.Combine(outDir, Id(Path.GetFileName(_cohort.ImageFiles[0])) + ".nii.gz");
        string record = Path.Combine(outDir, "cases", Id(Path.GetFileName(_cohort.ImageFiles[0])), "record.json");
        byte[] first = File.ReadAllBytes(map);
        string firstModel = JsonNode.Parse(File.ReadAllText(record))!["model"]!.GetValue<string>();
        // Another model: the same network with another manifest (its identity is the manifest and weights).
        string other = NewDir("model");
        foreach (string f in Directory.EnumerateFiles(_cohort.Model))
        {
            File.Copy(f, Path.Combine(other, Path.GetFileName(f)));
        }
        File.AppendAllText(Path.Combine(other, "manifest.json"), "\n");

        var refused = CliRunner.Run("predict", "--model", other, "--input", input, "--out", outDir, "--threads", "1", "--no-tta");
        Assert.That(refused.Code, Is.EqualTo(11), refused.Err + refused.Out);
        Assert.That(refused.Out, Does.Contain("--overwrite"));
        Assert.That(File.ReadAllBytes(map), Is.EqualTo(first));
        Assert.That(JsonNode.Parse(File.ReadAllText(record))!["model"]!.GetValue<string>(), Is.EqualTo(firstModel));

        var replaced = CliRunner.Run("predict", "--model", other, "--input", input, "--out", outDir, "--threads", "1", "--no-tta", "--overwrite");
        Assert.That(replaced.Code, Is.Zero, replaced.Err + replaced.Out);
        Assert.That(JsonNode.Parse(File.ReadAllText(record))!["model"]!.GetValue<string>(), Is.Not.EqualTo(firstModel));
    }

    [Test]
    public void TheKubernetesIndexedJobEnvironment_SelectsTheShard()
    {
        string input = Input(Enumerable.Range(0, 9));
        string outDir = NewDir("out");
        string? index = Environment.GetEnvironmentVariable("JOB_COMPLETION_INDEX");
        string? count = Environment.GetEnvironmentVariable(ShardSpec.CountVariable);
        try
        {
            Environment.SetEnvironmentVariable("JOB_COMPLETION_INDEX", "1");
            Environment.SetEnvironmentVariable(ShardSpec.CountVariable, null);
            var noCount = Predict(input, outDir);
            Assert.That(noCount.Code, Is.EqualTo(2), noCount.Out);
            Assert.That(noCount.Err, Does.Contain(ShardSpec.CountVariable));

            Environment.SetEnvironmentVariable(ShardSpec.CountVariable, "3");
            var r = Predict(input, outDir);
            Assert.That(r.Code, Is.Zero, r.Err + r.Out);
            Assert.That(r.Out, Does.Contain("shard 1/3 (3 case(s))"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("JOB_COMPLETION_INDEX", index);
            Environment.SetEnvironmentVariable(ShardSpec.CountVariable, count);
        }
        var expected = new[] { 1, 4, 7 }.Select(i => Id(Path.GetFileName(_cohort.ImageFiles[i])) + ".nii.gz");
        Assert.That(Directory.EnumerateFiles(outDir, "*.nii.gz").Select(Path.GetFileName), Is.EquivalentTo(expected));
        Assert.That(File.Exists(Path.Combine(outDir, "volumes.csv")), Is.False, "other shards still have cases to do");
    }

    [Test]
    public void TheStagedCohortPath_GivesExactlyTheLabelsOfVolumeSegmenterPredict()
    {
        string input = Input([0, 1]);
        string outDir = NewDir("out");

        var r = CliRunner.Run("predict", "--model", _cohort.Model, "--input", input, "--out", outDir, "--threads", "1", "--largest-component");

        Assert.That(r.Code, Is.Zero, r.Err + r.Out);
        using var segmenter = ThighSeg.Torch.Inference.VolumeSegmenter.Load(_cohort.Model, ThighSeg.Torch.ComputeDevice.Cpu);
        foreach (int i in new[] { 0, 1 })
        {
            var image = VolumeFormats.Default.Read(_cohort.ImageFiles[i]).Image;
            var expected = segmenter.Predict(image, new ThighSeg.Torch.Inference.VolumePredictionOptions(FlipTta: true, KeepLargestComponent: true)).Labels;
            var actual = VolumeFormats.Default.Read(Path.Combine(outDir, Id(Path.GetFileName(_cohort.ImageFiles[i])) + ".nii.gz")).Image;
            Assert.That(actual.Data.Select(v => (int)v), Is.EqualTo(expected.Data), $"case {i}");
        }
    }
}
