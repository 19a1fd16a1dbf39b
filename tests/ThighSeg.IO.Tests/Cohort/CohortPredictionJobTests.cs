using ThighSeg.Core.Volumes;
using ThighSeg.IO.Cohort;
using static ThighSeg.IO.Tests.Cohort.CohortFixture;

namespace ThighSeg.IO.Tests.Cohort;

/// <summary>
/// The cohort job on real files (NIfTI written by ThighSeg, DICOM series written byte by byte) with a deterministic
/// threshold segmenter: each problem found with the old <c>predict</c> has a test here.
/// </summary>
[TestFixture]
public sealed class CohortPredictionJobTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp() => _dir = Directory.CreateTempSubdirectory("thighseg-cohort-").FullName;

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private string In(string relative) => Path.Combine(_dir, "in", relative);

    private string Out => Path.Combine(_dir, "out");

    private string[] VolumesCsv() => File.ReadAllLines(Path.Combine(Out, "volumes.csv"));

    [Test]
    public void NestedAndMixedFolders_GiveOneCasePerNiftiFileAndPerDicomSeries()
    {
        WriteNifti(In("p1/study/t1.nii.gz"), 1);
        WriteNifti(In("p2/t1.nii"), 2);
        WriteNifti(In("top.nii.gz"), 3);
        DicomSeries(In("p3/study/series7"), "1.2.3.7", 4);
        File.WriteAllText(In("notes.txt"), "not an image");
        var cases = CohortCases.Discover(Path.Combine(_dir, "in"), VolumeReadOptions.Default);
        Assert.That(cases.Select(c => c.Id), Is.EqualTo(new[] { "p1/study/t1", "p2/t1", "p3/study/series7", "top" }));
        var summary = Predict(Path.Combine(_dir, "in"), Out);
        Assert.That(summary.Done, Is.EqualTo(4), string.Join("; ", summary.Failed));
        Assert.That(File.Exists(Path.Combine(Out, "p1", "study", "t1.nii.gz")) && File.Exists(Path.Combine(Out, "p3", "study", "series7.nii.gz")), Is.True);
        Assert.That(VolumesCsv(), Has.Length.EqualTo(1 + (4 * 2)));
        Assert.That(VolumesCsv().Count(l => l.StartsWith("p3/study/series7,", StringComparison.Ordinal)), Is.EqualTo(2), "the DICOM series is segmented too");
    }

    [Test]
    public void NiiAndNiiGzOfOneName_WriteDistinctOutputs()
    {
        WriteNifti(In("x.nii"), 1);
        WriteNifti(In("x.nii.gz"), 2);
        var summary = Predict(Path.Combine(_dir, "in"), Out);
        Assert.That(summary.Done, Is.EqualTo(2));
        var a = VolumeFormats.Default.Read(Path.Combine(Out, "x_nii.nii.gz")).Image.Data;
        var b = VolumeFormats.Default.Read(Path.Combine(Out, "x_nii_gz.nii.gz")).Image.Data;
        Assert.That(a, Is.EqualTo(Segment(Image(1), "").Data.Select(v => (float)v)));
        Assert.That(b, Is.EqualTo(Segment(Image(2), "").Data.Select(v => (float)v)));
    }

    [Test]
    public void Rerun_SkipsDoneCases_AndRedoesATruncatedOutput()
    {
        for (int i = 0; i < 3; i++)
        {
            WriteNifti(In($"s{i}.nii.gz"), i);
        }
        Assert.That(Predict(Path.Combine(_dir, "in"), Out).Done, Is.EqualTo(3));
        var before = Files(Out, f => f.EndsWith(".nii.gz", StringComparison.Ordinal) || f == "volumes.csv");
        var again = Predict(Path.Combine(_dir, "in"), Out);
        Assert.That((again.Done, again.Skipped), Is.EqualTo((0, 3)));

        string s1 = Path.Combine(Out, "s1.nii.gz");
        byte[] whole = File.ReadAllBytes(s1);
        File.WriteAllBytes(s1, whole[..(whole.Length / 2)]); // a half-written file is not done
        var third = Predict(Path.Combine(_dir, "in"), Out);
        Assert.That((third.Done, third.Skipped), Is.EqualTo((1, 2)));
        Assert.That(Files(Out, f => f.EndsWith(".nii.gz", StringComparison.Ordinal) || f == "volumes.csv"), Is.EqualTo(before));
    }

    [Test]
    public void ALabelFolderNotWrittenByTheJob_IsNeverReplaced_UnlessOverwrite()
    {
        WriteNifti(In("a.nii.gz"), 1);
        WriteNifti(In("b.nii.gz"), 2);
        Directory.CreateDirectory(Out);
        string reference = Path.Combine(Out, "a.nii.gz");
        File.WriteAllText(reference, "a reference label map");
        var summary = Predict(Path.Combine(_dir, "in"), Out);
        Assert.That(summary.Done, Is.EqualTo(1));
        Assert.That(summary.Failed.Single().CaseId, Is.EqualTo("a"));
        Assert.That(summary.Failed.Single().Error, Does.Contain("not replaced").And.Contain("not written by a ThighSeg cohort job"));
        Assert.That(File.ReadAllText(reference), Is.EqualTo("a reference label map"));
        Assert.That(File.ReadAllText(Path.Combine(Out, CohortOutput.FailuresFile)), Does.Contain("a,"));

        var forced = Predict(Path.Combine(_dir, "in"), Out, overwrite: true);
        Assert.That((forced.Done, forced.Skipped, forced.Failed.Count), Is.EqualTo((1, 1, 0)));
        Assert.That(File.ReadAllLines(Path.Combine(Out, CohortOutput.FailuresFile)), Has.Length.EqualTo(1), "the failure is cleared");
    }

    [Test]
    public void AnotherModelOrAChangedInput_IsAConflict()
    {
        string a = WriteNifti(In("a.nii.gz"), 1);
        Predict(Path.Combine(_dir, "in"), Out);
        byte[] first = File.ReadAllBytes(Path.Combine(Out, "a.nii.gz"));
        var other = Predict(Path.Combine(_dir, "in"), Out, model: "model-b");
        Assert.That(other.Failed.Single().Error, Does.Contain("another model"));
        WriteNifti(a, 7);
        File.SetLastWriteTimeUtc(a, DateTime.UtcNow.AddMinutes(1));
        var changed = Predict(Path.Combine(_dir, "in"), Out);
        Assert.That(changed.Failed.Single().Error, Does.Contain("another input"));
        Assert.That(File.ReadAllBytes(Path.Combine(Out, "a.nii.gz")), Is.EqualTo(first));
        Assert.That(Predict(Path.Combine(_dir, "in"), Out, overwrite: true).Done, Is.EqualTo(1));
        Assert.That(File.ReadAllBytes(Path.Combine(Out, "a.nii.gz")), Is.Not.EqualTo(first));
    }

    [Test]
    public void ASecondCohortIntoTheSameFolder_KeepsTheFirstCohortsVolumes()
    {
        WriteNifti(In("first/s1.nii.gz"), 1);
        WriteNifti(In("second/s2.nii.gz"), 2);
        Predict(In("first"), Out);
        Predict(In("second"), Out);
        Assert.That(VolumesCsv().Skip(1).Select(l => l.Split(',')[0]).Distinct(), Is.EqualTo(new[] { "s1", "s2" }));
    }

    [Test]
    public void VolumesAreWrittenAsEachCaseEnds_SoAnInterruptedJobKeepsThem()
    {
        for (int i = 0; i < 4; i++)
        {
            WriteNifti(In($"s{i}.nii.gz"), i);
        }
        using var stop = new CancellationTokenSource();
        var output = new CohortOutput(Out);
        var seen = new List<string>();
        int calls = 0;
        var job = Job(Out);
        Assert.That(() => job.Run(CohortCases.Discover(Path.Combine(_dir, "in"), VolumeReadOptions.Default), (image, id) =>
        {
            if (++calls == 3)
            {
                stop.Cancel(); // the job is stopped while the network runs on the third case
            }
            return Segment(image, id);
        }, Classes, p =>
        {
            Assert.That(File.Exists(output.TablePath(p.CaseId, "volumes")), Is.True, $"{p.CaseId}'s volumes exist once it is done");
            seen.Add(p.CaseId);
        }, stop.Token), Throws.InstanceOf<OperationCanceledException>());
        Assert.That(seen, Is.EqualTo(new[] { "s0", "s1" }));
        Assert.That(VolumesCsv().Skip(1).Select(l => l.Split(',')[0]).Distinct(), Is.EqualTo(seen));
        var resumed = Predict(Path.Combine(_dir, "in"), Out);
        Assert.That((resumed.Done, resumed.Skipped), Is.EqualTo((2, 2)));
        Assert.That(VolumesCsv(), Has.Length.EqualTo(1 + (4 * 2)));
    }

    [Test]
    public void ACommaInAName_IsQuotedInVolumesCsv()
    {
        WriteNifti(In("smith,john.nii.gz"), 1);
        Predict(Path.Combine(_dir, "in"), Out);
        Assert.That(VolumesCsv()[1], Does.StartWith("\"smith,john\",1,muscle,"));
    }

    [Test]
    public void AnUnreadableFirstFile_IsRecorded_AndTheLaterFilesArePredicted()
    {
        Directory.CreateDirectory(In(""));
        File.WriteAllText(In("a-broken.nii.gz"), "not gzip at all");
        WriteNifti(In("b.nii.gz"), 1);
        WriteNifti(In("c.nii.gz"), 2);
        var summary = Predict(Path.Combine(_dir, "in"), Out);
        Assert.That(summary.Done, Is.EqualTo(2));
        Assert.That(summary.Failed.Single().CaseId, Is.EqualTo("a-broken"));
        Assert.That(summary.Failed.Single().Error, Does.Contain("a-broken.nii.gz"));
        var failures = File.ReadAllLines(Path.Combine(Out, CohortOutput.FailuresFile));
        Assert.That(failures[0], Is.EqualTo("subject,source,error"));
        Assert.That(failures[1], Does.StartWith("a-broken,"));
    }

    [Test]
    public void AFolderOfTwoSeries_FailsWithoutASeries_AndIsReadWithOne()
    {
        string folder = In("both");
        DicomSeries(folder, "1.2.3.1", 1, "a");
        DicomSeries(folder, "1.2.3.2", 2, "b");
        var without = Predict(Path.Combine(_dir, "in"), Out);
        Assert.That(without.Failed.Single().Error, Does.Contain("2 series").And.Contain("1.2.3.1").And.Contain("SeriesInstanceUid"));
        var with = Predict(Path.Combine(_dir, "in"), Out, read: new VolumeReadOptions { SeriesInstanceUid = "1.2.3.2" });
        Assert.That(with.Done, Is.EqualTo(1));
        Assert.That(File.ReadAllLines(Path.Combine(Out, CohortOutput.FailuresFile)), Has.Length.EqualTo(1));
    }

    [Test]
    public void AnOutputThatWouldReplaceAnInput_IsRefused()
    {
        string input = Path.Combine(_dir, "in");
        WriteNifti(In("a.nii.gz"), 1);
        var job = Job(input);
        var cases = CohortCases.Discover(input, VolumeReadOptions.Default);
        Assert.That(() => job.CheckNoInputReplaced(cases, input), Throws.InstanceOf<CohortException>().With.Message.Contains("is the input folder"));
        Assert.That(() => job.Run(cases, Segment, Classes), Throws.InstanceOf<CohortException>().With.Message.Contains("would replace an input"));
        Assert.That(File.ReadAllBytes(In("a.nii.gz")), Is.EqualTo(File.ReadAllBytes(WriteNifti(Path.Combine(_dir, "copy.nii.gz"), 1))));
    }

    [Test]
    public void Shards_CoverEveryCaseOnce_AndTheLastToFinishBuildsTheTablesOfASingleProcessRun()
    {
        for (int i = 0; i < 7; i++)
        {
            WriteNifti(In($"s{i}.nii.gz"), i);
        }
        string single = Path.Combine(_dir, "single");
        Predict(Path.Combine(_dir, "in"), single);
        var shards = new[] { 2, 0, 1 }.Select(k => Predict(Path.Combine(_dir, "in"), Out, shard: new ShardSpec(k, 3))).ToList();
        Assert.That(shards.Select(s => s.Total), Is.EqualTo(new[] { 2, 3, 2 }));
        Assert.That(shards.Select(s => s.Collected), Is.EqualTo(new[] { false, false, true }));
        bool Result(string f) => !f.StartsWith("cases", StringComparison.Ordinal);
        Assert.That(Files(Out, Result), Is.EqualTo(Files(single, Result)));
    }

    [Test]
    public void DicomSegAndPreviewOutputs_AreWrittenAndRecordedForADicomCase_AndANiftiCaseFailsSayingWhy()
    {
        // A series a SEG can reference (study, frame of reference and instance UIDs), one it cannot (the bare fixture series), a NIfTI file.
        Directory.CreateDirectory(In("series"));
        var rng = new Random(5);
        for (int z = 0; z < 3; z++)
        {
            var pixels = Enumerable.Range(0, 16).Select(_ => (short)rng.Next(0, 100)).ToArray();
            Dicom.DicomTestWriter.MrSlice(4, 4, [0, 0, z * 2.0], [1, 0, 0, 0, 1, 0], [1, 1], pixels, seriesUid: "1.2.3.9", instance: z + 1)
                .Text(0x00080018, "UI", $"1.2.3.9.{z + 1}")
                .Text(0x0020000D, "UI", "1.2.3.8")
                .Text(0x00200052, "UI", "1.2.3.7")
                .WriteTo(Path.Combine(In("series"), $"im{z}.dcm"));
        }
        DicomSeries(In("bare"), "1.2.3.10", 7);
        WriteNifti(In("plain.nii.gz"), 6);
        var job = new CohortPredictionJob(VolumeFormats.Default, new CohortOutput(Out), new CohortJobOptions
        {
            ModelFingerprint = "model-a",
            Settings = "tta=false",
            Outputs = CohortOutputKinds.Nifti | CohortOutputKinds.DicomSeg | CohortOutputKinds.Preview,
        });
        var summary = job.Run(CohortCases.Discover(Path.Combine(_dir, "in"), VolumeReadOptions.Default, Out), Segment, Classes);
        Assert.That(summary.Done, Is.EqualTo(1), string.Join("; ", summary.Failed));
        Assert.That(summary.Failed.Select(f => f.Item1), Is.EqualTo(new[] { "bare", "plain" }));
        string error = summary.Failed[1].Item2;
        Assert.That(error, Does.Contain("is not a DICOM series").And.Contain("write a NIfTI label map for this case instead").And.Not.Contain("--"));
        Assert.That(summary.Failed[0].Item2, Does.Contain("StudyInstanceUID is missing"));
        Assert.That(File.Exists(Path.Combine(Out, "plain.nii.gz")) || File.Exists(Path.Combine(Out, "bare.nii.gz")), Is.False, "a failed case writes no label file");

        var output = new CohortOutput(Out);
        var labels = VolumeFormats.Default.Read(output.LabelPath("series")).Image;
        var seg = ThighSeg.IO.Dicom.DicomSegReader.Read(output.SegPath("series"), labels.Shape, labels.Affine, Classes);
        Assert.That(seg.Labels.Data, Is.EqualTo(labels.Data.Select(v => (int)v)));
        Assert.That(File.ReadAllBytes(output.PreviewPath("series")).Take(4), Is.EqualTo(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }));
        Assert.That(output.ReadRecord("series")!.Outputs.Select(o => o.Path), Is.EqualTo(new[] { "series.nii.gz", "series.seg.dcm", "cases/series/preview.png", "cases/series/volumes.csv" }));
    }

    [Test]
    public void Outputs_WithoutALabelFile_AreRefused() =>
        Assert.That(() => new CohortJobOptions { ModelFingerprint = "m", Settings = "", Outputs = CohortOutputKinds.Preview }.Validate(),
            Throws.ArgumentException.With.Message.Contains("Outputs must include Nifti or DicomSeg").And.Message.Contains("Preview"));

    [Test]
    public void TheNetworkRunsOnTheCallingThread()
    {
        WriteNifti(In("a.nii.gz"), 1);
        WriteNifti(In("b.nii.gz"), 2);
        int caller = Environment.CurrentManagedThreadId;
        var threads = new List<int>();
        Job(Out).Run(CohortCases.Discover(Path.Combine(_dir, "in"), VolumeReadOptions.Default), (image, id) =>
        {
            threads.Add(Environment.CurrentManagedThreadId);
            return Segment(image, id);
        }, Classes);
        Assert.That(threads, Is.EqualTo(new[] { caller, caller }));
    }

    /// <summary>Records the thread of each stage; the stages together give <see cref="CohortFixture.Segment"/>.</summary>
    private sealed class ThreadRecordingSegmenter : ICaseSegmenter<Volume<float>, Volume<int>>
    {
        public List<int> Prepared { get; } = [];

        public List<int> Segmented { get; } = [];

        public List<int> Finished { get; } = [];

        public Volume<float> Prepare(Volume<float> image, string caseId)
        {
            lock (Prepared) { Prepared.Add(Environment.CurrentManagedThreadId); }
            return image;
        }

        public Volume<int> Segment(Volume<float> prepared)
        {
            Segmented.Add(Environment.CurrentManagedThreadId);
            return CohortFixture.Segment(prepared, "");
        }

        public Volume<int> Finish(Volume<float> prepared, Volume<int> output)
        {
            lock (Finished) { Finished.Add(Environment.CurrentManagedThreadId); }
            return output;
        }
    }

    [Test]
    public void AStagedSegmenter_PreparesOnTheReader_RunsTheNetworkOnTheCaller_FinishesOnTheWriter_AndGivesTheSameOutputs()
    {
        WriteNifti(In("a.nii.gz"), 1);
        WriteNifti(In("b.nii.gz"), 2);
        WriteNifti(In("c.nii.gz"), 3);
        var cases = CohortCases.Discover(Path.Combine(_dir, "in"), VolumeReadOptions.Default);
        int caller = Environment.CurrentManagedThreadId;
        var staged = new ThreadRecordingSegmenter();

        var summary = Job(Out).Run(cases, staged, Classes);

        Assert.That(summary.Done, Is.EqualTo(3));
        Assert.That(staged.Segmented, Is.EqualTo(new[] { caller, caller, caller }));
        Assert.That(staged.Prepared, Has.Count.EqualTo(3).And.All.Not.EqualTo(caller), "preprocessing overlaps the network");
        Assert.That(staged.Finished, Has.Count.EqualTo(3).And.All.Not.EqualTo(caller), "restoring overlaps the network");
        Assert.That(staged.Prepared.Concat(staged.Finished).Distinct().Count(), Is.EqualTo(2), "one reader and one writer thread");
        string single = Path.Combine(_dir, "single");
        Predict(Path.Combine(_dir, "in"), single);
        bool Result(string f) => !f.EndsWith("record.json", StringComparison.Ordinal);
        Assert.That(Files(Out, Result), Is.EqualTo(Files(single, Result)));
    }
}
