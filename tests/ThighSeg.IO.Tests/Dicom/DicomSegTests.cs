using System.Text.Json;
using ThighSeg.Core.Data;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Dicom;

namespace ThighSeg.IO.Tests.Dicom;

/// <summary>
/// DICOM-SEG output checked by independent tools: dciodvfy (dicom3tools) must report no error, dcmdump (dcmtk) must
/// parse it, pydicom must read it and unpack the same bits (tests/reference/dicom_seg.py), and ThighSeg's reader must
/// give back exactly the label volume written.
/// </summary>
[TestFixture]
public sealed class DicomSegTests
{
    private static readonly LabelMap Labels = LabelMap.FromNames(new Dictionary<int, string>
    {
        [1] = "left_vastus_lateralis",
        [2] = "right_vastus_lateralis",
        [3] = "gracilis",
        [4] = "sartorius",
        [5] = "adductor_magnus", // left empty: a segment without frames
        [7] = "rectus_femoris_r",
    });

    private string _work = null!;

    [SetUp]
    public void CreateWorkFolder() => _work = Directory.CreateTempSubdirectory("thighseg-seg-").FullName;

    [TearDown]
    public void DeleteWorkFolder() => Directory.Delete(_work, recursive: true);

    /// <summary>Labels on the source grid: blocks of each label on some slices, slice 0 and label 5 empty.</summary>
    private static Volume<int> MakeLabels(Volume<float> image)
    {
        var labels = new Volume<int>(image.Shape, image.Affine);
        var s = image.Shape;
        for (int z = 1; z < s.Z; z++)
        {
            for (int y = 0; y < s.Y; y++)
            {
                for (int x = 0; x < s.X; x++)
                {
                    int v = 0;
                    if (x < s.X / 2 && y < s.Y / 3) { v = 1; }
                    else if (x >= s.X / 2 && y < s.Y / 3) { v = 2; }
                    else if (z % 2 == 1 && y > s.Y / 2 && x < 3) { v = 3; }
                    else if (z >= 3 && x == s.X - 1) { v = 4; }
                    else if (z == 2 && x == 5 && y == s.Y - 1) { v = 7; }
                    labels[x, y, z] = v;
                }
            }
        }
        return labels;
    }

    private (string SegFile, Volume<int> Labels, Volume<float> Image, DicomSegSummary Summary, string[] Uids) WriteSeg(bool oblique = true)
    {
        string series = Path.Combine(_work, "series");
        string[] uids = SegTestSeries.Write(series, oblique: oblique);
        var image = new DicomSeriesReader().Read(series).Image;
        var labels = MakeLabels(image);
        string seg = Path.Combine(_work, "seg.dcm");
        var summary = DicomSegWriter.WriteForSeries(seg, labels, Labels, series);
        return (seg, labels, image, summary, uids);
    }

    [Test]
    public void Write_ReadBack_GivesTheSameLabelVolume()
    {
        var (seg, labels, image, summary, _) = WriteSeg();
        var back = DicomSegReader.Read(seg, image.Shape, image.Affine, Labels);
        Assert.That(back.Labels.Data, Is.EqualTo(labels.Data));
        Assert.That(back.SopInstanceUid, Is.EqualTo(summary.SopInstanceUid));
        Assert.That(back.StudyInstanceUid, Is.EqualTo(SegTestSeries.StudyUid));
        Assert.That(back.ReferencedSeriesInstanceUids, Is.EqualTo(new[] { SegTestSeries.SeriesUid }));
        Assert.That(back.FrameOfReferenceUid, Is.EqualTo(SegTestSeries.FrameOfReferenceUid));
        Assert.That(back.Segments.Select(s => s.Label), Is.EqualTo(Labels.Values.Where(v => v != 0).Select(Labels.Name)));
        Assert.That(back.Segments.Single(s => s.Label == "adductor_magnus").Frames, Is.Zero);

        // Without a label map the label values are the segment numbers (1..6 for values 1,2,3,4,5,7).
        var byNumber = DicomSegReader.Read(seg, image.Shape, image.Affine);
        Assert.That(byNumber.Labels.Data.Max(), Is.EqualTo(6));
        Assert.That(byNumber.Labels.Data.Count(v => v == 6), Is.EqualTo(labels.Data.Count(v => v == 7)));
    }

    [Test]
    public void Write_StoresOnlyNonEmptyFrames_WithCodesAndLaterality()
    {
        var (seg, labels, _, summary, _) = WriteSeg();
        int expectedFrames = 0;
        foreach (int v in Labels.Values.Where(v => v != 0))
        {
            for (int z = 0; z < labels.Shape.Z; z++)
            {
                if (labels.Slice(z).Contains(v))
                {
                    expectedFrames++;
                }
            }
        }
        Assert.That(summary.Frames, Is.EqualTo(expectedFrames));
        Assert.That(summary.Segments, Is.EqualTo(6));

        var back = DicomSegReader.Read(seg, labels.Shape, labels.Affine, Labels);
        var left = back.Segments.Single(s => s.Label == "left_vastus_lateralis");
        Assert.That(left.Type, Is.EqualTo(new DicomCode("1403006", "SCT", "Vastus lateralis muscle")));
        Assert.That(left.TypeModifier, Is.EqualTo(new DicomCode("7771000", "SCT", "Left")));
        Assert.That(left.Category, Is.EqualTo(new DicomCode("123037004", "SCT", "Anatomical Structure")));
        Assert.That(back.Segments.Single(s => s.Label == "rectus_femoris_r").TypeModifier!.Meaning, Is.EqualTo("Right"));
        Assert.That(back.Segments.Single(s => s.Label == "gracilis").TypeModifier, Is.Null);
        Assert.That(back.Segments.All(s => s.AlgorithmName == "ThighSeg" && s.AlgorithmType == "AUTOMATIC"));
    }

    [TestCase(true)]
    [TestCase(false)]
    public void Dciodvfy_ReportsNoErrors(bool oblique)
    {
        string dciodvfy = ExternalTool.Require("dciodvfy", "dicom3tools");
        var (seg, _, _, _, _) = WriteSeg(oblique);
        var (_, output) = ExternalTool.Run(dciodvfy, seg);
        var errors = output.Split('\n').Where(l => l.StartsWith("Error", StringComparison.Ordinal)).ToList();
        Assert.That(errors, Is.Empty, output);
        Assert.That(output, Does.Contain("Segmentation"), "dciodvfy recognised the IOD:\n" + output);
    }

    [Test]
    public void Dcmdump_ParsesTheWholeObject()
    {
        string dcmdump = ExternalTool.Require("dcmdump", "dcmtk");
        var (seg, _, _, summary, _) = WriteSeg();
        var (exit, output) = ExternalTool.Run(dcmdump, "-dc", "+L", seg);
        Assert.That(exit, Is.Zero, output);
        Assert.That(output, Does.Not.Contain("E: "), output);
        Assert.That(output, Does.Contain(summary.SopInstanceUid));
        Assert.That(output, Does.Contain("(0062,0001) CS [BINARY]"));
        Assert.That(output, Does.Contain("SegmentationStorage").Or.Contain("1.2.840.10008.5.1.4.1.1.66.4"));
    }

    [Test]
    public void Pydicom_ReadsTheSameBits_AndReferences()
    {
        var (seg, labels, image, _, uids) = WriteSeg();
        JsonElement r = PythonReference.Run("dicom_seg.py", seg);
        Assert.That(r.GetProperty("modality").GetString(), Is.EqualTo("SEG"));
        Assert.That(r.GetProperty("patient_id").GetString(), Is.EqualTo("PAT-0042"));
        Assert.That(r.GetProperty("patient_name").GetString(), Is.EqualTo("Thigh^Test"));
        Assert.That(r.GetProperty("study_uid").GetString(), Is.EqualTo(SegTestSeries.StudyUid));
        Assert.That(r.GetProperty("series_uid").GetString(), Is.Not.EqualTo(SegTestSeries.SeriesUid));
        Assert.That(r.GetProperty("frame_of_reference").GetString(), Is.EqualTo(SegTestSeries.FrameOfReferenceUid));
        Assert.That(r.GetProperty("referenced_series").GetString(), Is.EqualTo(SegTestSeries.SeriesUid));
        Assert.That(r.GetProperty("referenced_instances").EnumerateArray().Select(e => e.GetString()).Order(), Is.EqualTo(uids.Order()));

        int rows = labels.Shape.Y, cols = labels.Shape.X;
        var values = Labels.Values.Where(v => v != 0).ToArray();
        var reader = new DicomSeriesReader();
        int frames = 0;
        foreach (var f in r.GetProperty("per_frame").EnumerateArray())
        {
            int segment = f.GetProperty("segment").GetInt32();
            int value = values[segment - 1];
            int z = f.GetProperty("dimension_index")[1].GetInt32() - 1;
            Assert.That(f.GetProperty("source").GetString(), Is.EqualTo(uids[z]), $"frame {frames + 1} derives from the image of slice {z}");
            // Position: the first stored pixel of slice z is voxel (0, rows-1, z).
            var (px, py, pz) = image.Affine.Apply(0, rows - 1, z);
            double[] pos = f.GetProperty("position").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.That(pos, Is.EqualTo(new[] { -px, -py, pz }).Within(1e-4));
            var expected = new List<int>();
            for (int row = 0; row < rows; row++)
            {
                for (int col = 0; col < cols; col++)
                {
                    if (labels[col, rows - 1 - row, z] == value)
                    {
                        expected.Add((row * cols) + col);
                    }
                }
            }
            Assert.That(f.GetProperty("set").EnumerateArray().Select(e => e.GetInt32()), Is.EqualTo(expected), $"frame {frames + 1}: segment {segment}, slice {z}");
            frames++;
        }
        Assert.That(frames, Is.EqualTo(r.GetProperty("frames").GetInt32()));
        var left = r.GetProperty("segments").EnumerateArray().First();
        Assert.That(left.GetProperty("modifier").GetProperty("meaning").GetString(), Is.EqualTo("Left"));
    }

    [Test]
    public void Write_RefusesLabelsOutsideTheSourceGeometry()
    {
        string series = Path.Combine(_work, "series");
        SegTestSeries.Write(series);
        var image = new DicomSeriesReader().Read(series).Image;
        var shifted = new Volume<int>(image.Shape, Affine.FromSpacing(0.7, 0.8, 3.0, 5, 5, 5));
        var ex = Assert.Throws<DicomSegException>(() => DicomSegWriter.WriteForSeries(Path.Combine(_work, "x.dcm"), shifted, Labels, series));
        Assert.That(ex!.Message, Does.Contain("source series' geometry"));
        Assert.That(File.Exists(Path.Combine(_work, "x.dcm")), Is.False);

        var labels = new Volume<int>(image.Shape, image.Affine);
        labels.Data[3] = 9;
        var unknown = Assert.Throws<DicomSegException>(() => DicomSegWriter.WriteForSeries(Path.Combine(_work, "y.dcm"), labels, Labels, series));
        Assert.That(unknown!.Message, Does.Contain("label value 9"));
    }

    [Test]
    public void Read_RefusesAGridOfAnotherSize()
    {
        var (seg, _, image, _, _) = WriteSeg();
        var other = new VolumeShape(image.Shape.X + 1, image.Shape.Y, image.Shape.Z);
        Assert.Throws<DicomSegException>(() => DicomSegReader.Read(seg, other, image.Affine));
    }

    [Test]
    public void CodeTable_CodesSidesAndUnknownNames()
    {
        var t = SegmentCodeTable.Default;
        Assert.That(t.Lookup("Left_Gracilis").Type.Value, Is.EqualTo("2577006"));
        Assert.That(t.Lookup("Left_Gracilis").Laterality!.Value, Is.EqualTo("7771000"));
        Assert.That(t.Lookup("vastus_medialis_right").Laterality!.Value, Is.EqualTo("24028007"));
        Assert.That(t.Lookup("vastus_medialis").Laterality, Is.Null);
        Assert.That(t.Lookup("semitendinosus").Source, Is.EqualTo("unverified"));
        Assert.That(t.Lookup("something_else").Type.Meaning, Is.EqualTo("Tissue"));
        Assert.That(t.Names, Has.Count.GreaterThanOrEqualTo(13));
    }

    [Test]
    public void DecimalStrings_FitSixteenCharacters()
    {
        foreach (double v in new[] { -123.4567890123456, 1e-20, 0.1 + 0.2, 123456789012.345, -0.000123456789 })
        {
            string s = DicomWriter.FormatDecimal(v);
            Assert.That(s.Length, Is.LessThanOrEqualTo(16), s);
            Assert.That(double.Parse(s, System.Globalization.CultureInfo.InvariantCulture), Is.EqualTo(v).Within(Math.Abs(v) * 1e-9 + 1e-12), s);
        }
        Assert.That(DicomWriter.NewUid(), Does.Match(@"^2\.25\.[1-9][0-9]*$").And.Length.LessThanOrEqualTo(64));
    }
}
