using ThighSeg.IO.Dicom;

namespace ThighSeg.IO.Tests.Dicom;

[TestFixture]
public sealed class DicomSeriesTests
{
    private static readonly double[] Axial = [1, 0, 0, 0, 1, 0];
    private string _dir = null!;

    [SetUp]
    public void CreateFolder() => _dir = Directory.CreateTempSubdirectory("thighseg-dicom-series-").FullName;

    [TearDown]
    public void DeleteFolder() => Directory.Delete(_dir, recursive: true);

    /// <summary>Writes slice k (value 100·k + pixel index) at z = z0 + k·dz; returns its path.</summary>
    private string WriteSlice(string name, int k, double z, int rows = 2, int cols = 3, double[]? orientation = null, string series = "1.2.3",
        double[]? spacing = null, TestSyntax syntax = TestSyntax.ExplicitLittle, double x = 0)
    {
        short[] pixels = Enumerable.Range(0, rows * cols).Select(i => (short)((100 * k) + i)).ToArray();
        return DicomTestWriter.MrSlice(rows, cols, [x, 0, z], orientation ?? Axial, spacing ?? [1, 1], pixels, series, instance: k + 1)
            .WriteTo(Path.Combine(_dir, name), syntax);
    }

    [Test]
    public void Read_SortsSlicesByPositionAlongTheNormal_NotByFileNameOrInstanceNumber()
    {
        // File names in reverse order, positions shuffled, mixed transfer syntaxes.
        int[] order = [3, 0, 4, 1, 2];
        for (int i = 0; i < order.Length; i++)
        {
            WriteSlice($"f{9 - i}.dcm", order[i], 10 + (2.5 * order[i]), syntax: (TestSyntax)(i % 4));
        }
        var v = new DicomSeriesReader().Read(_dir);
        Assert.That(v.Image.Shape.Z, Is.EqualTo(5));
        for (int z = 0; z < 5; z++)
        {
            Assert.That(v.Image[0, 1, z], Is.EqualTo(100f * z), $"slice {z}");
        }
        Assert.That(v.Image.Spacing.Z, Is.EqualTo(2.5).Within(1e-9));
        Assert.That(v.Image.Affine.Apply(0, 1, 4).Z, Is.EqualTo(20).Within(1e-9));
        Assert.That(v.Source, Is.EqualTo(_dir));
    }

    [Test]
    public void Read_SlicesDescendingAlongTheNormal_AreStillAscendingInZ()
    {
        // Normal of this orientation points to -z (LPS): row (1,0,0) x column (0,-1,0) = (0,0,-1).
        double[] flipped = [1, 0, 0, 0, -1, 0];
        for (int k = 0; k < 4; k++)
        {
            WriteSlice($"s{k}", k, -3.0 * k, orientation: flipped);
        }
        var v = new DicomSeriesReader().Read(_dir);
        // Ascending along the normal = descending z, so slice k sits at z index k and the z axis points inferior.
        Assert.That(v.Image[0, 1, 3], Is.EqualTo(300f));
        Assert.That(v.Image.Affine[2, 2], Is.EqualTo(-3).Within(1e-9));
    }

    [Test]
    public void Read_SkipsNonDicomFilesAndObjectsWithoutPixelData()
    {
        WriteSlice("a.dcm", 0, 0);
        WriteSlice("b.dcm", 1, 1);
        File.WriteAllText(Path.Combine(_dir, "README.txt"), "not dicom");
        new DicomTestWriter().Text(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.88.11").Text(0x0020000E, "UI", "1.2.3")
            .WriteTo(Path.Combine(_dir, "report.dcm"));
        Assert.That(new DicomSeriesReader().Read(_dir).Image.Shape.Z, Is.EqualTo(2));
    }

    [Test]
    public void Read_EmptyFolder_IsRefused()
    {
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(_dir));
        Assert.That(ex!.Message, Does.Contain("no DICOM files"));
    }

    [Test]
    public void Read_MissingPath_IsRefused()
    {
        Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(Path.Combine(_dir, "nope")));
    }

    [Test]
    public void Read_UnknownChosenSeries_IsRefusedListingWhatExists()
    {
        WriteSlice("a", 0, 0);
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(_dir, new VolumeReadOptions { SeriesInstanceUid = "4.5.6" }));
        Assert.That(ex!.Message, Does.Contain("'4.5.6'").And.Contain("1.2.3 (1 image(s)"));
    }

    [Test]
    public void Read_MixedImageSizes_AreRefused()
    {
        WriteSlice("a", 0, 0);
        WriteSlice("b", 1, 1, rows: 3);
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(_dir));
        Assert.That(ex!.Message, Does.Contain("different sizes").And.Contain("2x3").And.Contain("3x3"));
    }

    [Test]
    public void Read_MixedOrientations_AreRefusedNamingTheFiles()
    {
        WriteSlice("a", 0, 0);
        WriteSlice("b", 1, 1, orientation: [1, 0, 0, 0, 0, -1]);
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(_dir));
        Assert.That(ex!.Message, Does.Contain("different orientations").And.Contain(" a has").And.Contain(" b has"));
    }

    [Test]
    public void Read_MixedPixelSpacings_AreRefused()
    {
        WriteSlice("a", 0, 0);
        WriteSlice("b", 1, 1, spacing: [1, 0.5]);
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(_dir));
        Assert.That(ex!.Message, Does.Contain("different pixel spacings"));
    }

    [Test]
    public void Read_MissingPosition_IsRefusedNamingTheFile()
    {
        WriteSlice("a", 0, 0);
        DicomTestWriter.MrSlice(2, 3, null, Axial, [1, 1], new short[6], "1.2.3", 2).WriteTo(Path.Combine(_dir, "nopos.dcm"));
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(_dir));
        Assert.That(ex!.Message, Does.Contain("1 of 2 images lack ImagePositionPatient").And.Contain("nopos.dcm"));
    }

    [Test]
    public void Read_DuplicatePositions_AreRefusedAsSeveralEchoesOrPhases()
    {
        WriteSlice("a", 0, 0);
        WriteSlice("b", 1, 2);
        WriteSlice("c", 2, 2);
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(_dir));
        Assert.That(ex!.Message, Does.Contain("share a slice position").And.Contain("b and c at 2 mm"));
    }

    [Test]
    public void Read_NonUniformSpacing_IsRefusedNamingTheGap()
    {
        WriteSlice("a", 0, 0);
        WriteSlice("b", 1, 2);
        WriteSlice("c", 2, 4);
        WriteSlice("d", 3, 8); // a missing slice at 6
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(_dir));
        Assert.That(ex!.Message, Does.Contain("not uniform").And.Contain("slices 2 and 3 (c at 4 mm, d at 8 mm) are 4 mm apart"));
    }

    [Test]
    public void Read_SpacingJitterWithinTolerance_IsAccepted()
    {
        WriteSlice("a", 0, 0);
        WriteSlice("b", 1, 2.004);
        WriteSlice("c", 2, 4);
        Assert.That(new DicomSeriesReader().Read(_dir).Image.Spacing.Z, Is.EqualTo(2).Within(1e-9));
    }

    [Test]
    public void Read_GantryTiltedStack_IsRefused()
    {
        for (int k = 0; k < 3; k++)
        {
            WriteSlice($"t{k}", k, 2 * k, x: 0.5 * k);
        }
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(_dir));
        Assert.That(ex!.Message, Does.Contain("not stacked along the slice normal"));
    }

    [Test]
    public void Read_AMalformedFileInTheFolder_FailsNamingThatFile()
    {
        WriteSlice("a", 0, 0);
        string bad = WriteSlice("b", 1, 1);
        byte[] bytes = File.ReadAllBytes(bad);
        File.WriteAllBytes(bad, bytes[..^7]);
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(_dir));
        Assert.That(ex!.File, Is.EqualTo(bad));
        Assert.That(ex.Message, Does.Contain(bad));
    }

    [Test]
    public void Read_CompressedFileOfAnotherSeries_DoesNotBlockTheChosenSeries_ButIsRefusedWhenChosen()
    {
        string jpegLs = "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small_jpeg_ls_lossless.dcm";
        if (!File.Exists(jpegLs))
        {
            Assert.Ignore("pydicom's test files are not installed (python3-pydicom)");
        }
        WriteSlice("a", 0, 0);
        WriteSlice("b", 1, 1);
        File.Copy(jpegLs, Path.Combine(_dir, "jpegls.dcm"));
        var reader = new DicomSeriesReader();

        var ex = Assert.Throws<DicomFormatException>(() => reader.Read(_dir));
        Assert.That(ex!.Message, Does.Contain("2 series").And.Contain("(1 image(s), 1 not decodable"));

        Assert.That(reader.Read(_dir, new VolumeReadOptions { SeriesInstanceUid = "1.2.3" }).Image.Shape.Z, Is.EqualTo(2));

        string jpegLsSeries = "1.3.6.1.4.1.5962.1.3.4.1.20040826185059.5457";
        ex = Assert.Throws<DicomFormatException>(() => reader.Read(_dir, new VolumeReadOptions { SeriesInstanceUid = jpegLsSeries }));
        Assert.That(ex!.Message, Does.Contain("1 of 1 image(s) of the series cannot be read").And.Contain("1.2.840.10008.1.2.4.80 (JPEG-LS Lossless)")
            .And.Contain("dcmdjpls"));
    }

    [Test]
    public void DefaultRegistry_PicksTheDicomReaderForASeriesFolderAndADicomFile()
    {
        string file = WriteSlice("IM0001", 0, 0);
        WriteSlice("IM0002", 1, 1);
        Assert.That(VolumeFormats.Default.ReaderFor(_dir), Is.InstanceOf<DicomSeriesReader>());
        Assert.That(VolumeFormats.Default.ReaderFor(file), Is.InstanceOf<DicomSeriesReader>());
        Assert.That(VolumeFormats.Default.Read(_dir).Image.Shape.Z, Is.EqualTo(2));
    }
}
