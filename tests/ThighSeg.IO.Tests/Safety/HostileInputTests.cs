using System.Diagnostics;
using ThighSeg.IO.Dicom;
using ThighSeg.IO.Nifti;
using ThighSeg.IO.Tests.Dicom;
using ThighSeg.IO.Tests.Nifti;

namespace ThighSeg.IO.Tests.Safety;

/// <summary>
/// The hand-made hostile inputs of issue 15: each is refused with the library's own exception, naming the file, fast,
/// without blocking and without large allocations.
/// </summary>
[TestFixture]
public sealed class HostileInputTests
{
    private static readonly double[] Axial = [1, 0, 0, 0, 1, 0];

    private TempDir _dir = null!;

    [SetUp]
    public void SetUp() => _dir = new TempDir();

    [TearDown]
    public void TearDown() => _dir.Dispose();

    private static short[] Ramp(int n) => Enumerable.Range(0, n).Select(v => (short)v).ToArray();

    private static void MakeFifo(string path)
    {
        if (OperatingSystem.IsWindows() || !File.Exists("/usr/bin/mkfifo"))
        {
            Assert.Ignore("mkfifo is not available");
        }
        using var p = Process.Start(new ProcessStartInfo("/usr/bin/mkfifo", [path]) { UseShellExecute = false })!;
        p.WaitForExit(10_000);
        Assert.That(p.ExitCode, Is.Zero, "mkfifo failed");
    }

    /// <summary>Runs <paramref name="read"/> on a worker and fails (instead of hanging) when it blocks for 10 s.</summary>
    private static T Within10s<T>(Func<T> read)
    {
        var task = Task.Run(read);
        if (!task.Wait(TimeSpan.FromSeconds(10)) && !task.IsCompleted)
        {
            Assert.Fail("the read blocked for 10 s");
        }
        return task.Result;
    }

    private static Exception ErrorWithin10s(Action read)
    {
        var task = Task.Run(read);
        try
        {
            if (!task.Wait(TimeSpan.FromSeconds(10)))
            {
                Assert.Fail("the read blocked for 10 s");
            }
        }
        catch (AggregateException ex)
        {
            return ex.InnerException!;
        }
        Assert.Fail("the read succeeded");
        return null!;
    }

    [Test]
    public void Nifti_OneMegabyteGzip_Declaring1024Cubed_IsRefusedByTheVoxelLimit_BeforeAllocating()
    {
        var h = NiftiTestFiles.Header(1024, 1024, 1024, NiftiDataType.UInt8) with { SRow = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0] };
        var noise = new byte[1_040_000];
        new Random(15).NextBytes(noise); // incompressible: the .nii.gz is about 1 MB, as in the issue
        byte[] file = NiftiTestFiles.Gzip(NiftiTestFiles.File(h, noise));
        Assert.That(file.Length, Is.InRange(500_000, 2_000_000), "about 1 MB of gzip");
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<VolumeFormatException>(() => NiftiReader.Read(new MemoryStream(file), "big.nii.gz"))!;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ex.Message, Does.Contain("big.nii.gz").And.Contain("1073741824 voxels").And.Contain("MaxVoxels"));
        Assert.That(allocated, Is.LessThan(4_000_000));
    }

    [Test]
    public void Nifti_VoxelLimit_CanBeLoweredAndRaised()
    {
        var h = NiftiTestFiles.Header(10, 10, 10, NiftiDataType.Int16);
        byte[] file = NiftiTestFiles.File(h, new byte[2000]);
        var strict = VolumeReadOptions.Default with { MaxVoxels = 999 };
        Assert.That(() => NiftiReader.Read(new MemoryStream(file), "s.nii", strict), Throws.TypeOf<VolumeFormatException>().With.Message.Contains("limit of 999"));
        Assert.That(NiftiReader.Read(new MemoryStream(file), "s.nii", strict with { MaxVoxels = 1000 }).Image.Shape.VoxelCount, Is.EqualTo(1000));
        Assert.That(() => VolumeReadOptions.Default with { MaxVoxels = 0 }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxVoxels"));
        Assert.That(() => VolumeReadOptions.Default with { MaxDecompressedBytes = -1 }, Throws.TypeOf<ArgumentOutOfRangeException>().With.Message.Contains("MaxDecompressedBytes"));
    }

    [Test]
    public void Nifti_DeflateBomb_IsRefusedByTheDecompressionLimit_WithoutInflatingIt()
    {
        // 400^3 int16 = 128 MB of zeros in ~130 KB of gzip; the limit is 16 MiB.
        var h = NiftiTestFiles.Header(400, 400, 400, NiftiDataType.Int16);
        byte[] file = NiftiTestFiles.Gzip(NiftiTestFiles.File(h, new byte[128_000_000]));
        var options = VolumeReadOptions.Default with { MaxDecompressedBytes = 16 << 20 };
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        var ex = Assert.Throws<VolumeFormatException>(() => NiftiReader.Read(new MemoryStream(file), "bomb.nii.gz", options))!;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ex.Message, Does.Contain("bomb.nii.gz").And.Contain("MaxDecompressedBytes"));
        Assert.That(allocated, Is.LessThan(4_000_000));
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public void Nifti_FifoNamedXNii_IsRefusedWithoutBlocking()
    {
        string fifo = _dir.File("x.nii");
        MakeFifo(fifo);
        var ex = ErrorWithin10s(() => VolumeFormats.Default.Read(fifo));
        Assert.That(ex, Is.TypeOf<VolumeFormatException>());
        Assert.That(ex.Message, Does.Contain(fifo).And.Contain("FIFO"));
    }

    [Test]
    public void Nifti_LoneSurrogateInTheLabelExtension_IsAVolumeFormatException()
    {
        var labels = new Core.Volumes.Volume<int>(new Core.Volumes.VolumeShape(3, 3, 3), Core.Volumes.Affine.Identity);
        string path = _dir.File("l.nii");
        new NiftiWriter().WriteLabels(path, labels, new Dictionary<int, string> { [1] = "abcdef" });
        byte[] bytes = File.ReadAllBytes(path);
        int at = bytes.AsSpan().IndexOf("abcdef"u8);
        "\\ud800"u8.CopyTo(bytes.AsSpan(at));
        var ex = Assert.Throws<VolumeFormatException>(() => NiftiReader.Read(new MemoryStream(bytes), "surrogate.nii"))!;
        Assert.That(ex.Message, Does.Contain("surrogate.nii").And.Contain("surrogate escape"));
    }

    [TestCase(1e-300)]
    [TestCase(1e20)]
    [TestCase(1e-40)]
    public void Nifti_AbsurdSpacing_IsRefusedByTheSharedGeometryRule(double spacing)
    {
        var h = NiftiTestFiles.Header(2, 2, 2, NiftiDataType.UInt8) with { SRow = [spacing, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0] };
        byte[] file = NiftiTestFiles.File(h, new byte[8]);
        var ex = Assert.Throws<VolumeFormatException>(() => NiftiReader.Read(new MemoryStream(file), "tiny.nii"))!;
        Assert.That(ex.Message, Does.Contain("tiny.nii").And.Contain("is outside 0.001 to 1000 mm"));
    }

    [TestCase("1e200")]
    [TestCase("4.9e-324")]
    public void Dicom_SingleImage_AbsurdSliceThickness_IsRefused(string thickness)
    {
        byte[] bytes = DicomTestWriter.MrSlice(2, 2, [0, 0, 0], Axial, [1, 1], Ramp(4)).Text(0x00180050, "DS", thickness).ToBytes();
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(bytes, "thick.dcm"))!;
        Assert.That(ex.Message, Does.Contain("thick.dcm").And.Contain("is outside 0.001 to 1000 mm"));
    }

    [Test]
    public void Dicom_SingleImage_AndSeries_TinyPixelSpacing_IsRefused()
    {
        byte[] bytes = DicomTestWriter.MrSlice(2, 2, [0, 0, 0], Axial, null, Ramp(4)).Text(0x00280030, "DS", "1e-300\\1e-300").ToBytes();
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(bytes, "ps.dcm"))!;
        Assert.That(ex.Message, Does.Contain("is outside 0.001 to 1000 mm"));

        string folder = _dir.File("series");
        Directory.CreateDirectory(folder);
        for (int z = 0; z < 3; z++)
        {
            DicomTestWriter.MrSlice(2, 2, [0, 0, z], Axial, null, Ramp(4), instance: z + 1).Text(0x00280030, "DS", "1e-300\\1e-300")
                .WriteTo(Path.Combine(folder, $"s{z}.dcm"));
        }
        var series = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(folder))!;
        Assert.That(series.Message, Does.Contain(folder).And.Contain("is outside 0.001 to 1000 mm"));
    }

    [Test]
    public void Dicom_DeflatedDatasetReachingGigabytes_IsRefusedByTheLimitWhileInflating()
    {
        // A deflated dataset whose private OB element inflates to 512 MB of zeros (about 0.5 MB on disk).
        byte[] bytes = DicomTestWriter.MrSlice(2, 2, [0, 0, 0], Axial, [1, 1], Ramp(4))
            .Bytes(0x00291010, "OB", new byte[512 << 20]).ToBytes(TestSyntax.DeflatedExplicitLittle);
        Assert.That(bytes.Length, Is.LessThan(1_000_000));
        string path = _dir.File("deflated.dcm");
        File.WriteAllBytes(path, bytes);
        var options = VolumeReadOptions.Default with { MaxDecompressedBytes = 32 << 20 };
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(path, options))!;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ex.Message, Does.Contain("deflated.dcm").And.Contain("MaxDecompressedBytes"));
        Assert.That(allocated, Is.LessThan(80_000_000), "inflating stops at the 32 MiB limit");
    }

    [Test]
    public void Dicom_SmallRleFileDeclaringHugeFrames_IsRefusedBeforeAllocatingTheOutput()
    {
        // pydicom's MR_small_RLE.dcm (64x64, 8 KB) with Rows and Columns patched to 16384: 2^28 voxels, within the voxel
        // limit, but no RLE stream of 8 KB can decode to 512 MB (found by the fuzzer's memory cap: it allocated 1 GiB).
        string source = "/usr/lib/python3/dist-packages/pydicom/data/test_files/MR_small_RLE.dcm";
        if (!File.Exists(source))
        {
            Assert.Ignore("python3-pydicom is not installed");
        }
        byte[] bytes = File.ReadAllBytes(source);
        foreach (byte element in new byte[] { 0x10, 0x11 })
        {
            byte[] header = [0x28, 0x00, element, 0x00, (byte)'U', (byte)'S', 0x02, 0x00];
            int at = bytes.AsSpan().IndexOf(header);
            Assert.That(at, Is.Positive, "Rows/Columns element");
            System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + 8), 16384);
        }
        string path = _dir.File("rle-bomb.dcm");
        File.WriteAllBytes(path, bytes);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Assert.Throws<DicomFormatException>(() => new DicomSeriesReader().Read(path))!;
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ex.Message, Does.Contain("rle-bomb.dcm").And.Contain("16384x16384").And.Contain("cannot come from"));
        Assert.That(allocated, Is.LessThan(16_000_000));
    }

    [Test]
    public void Dicom_FileSymlinkedToDevZero_IsRefusedBeforeOpening()
    {
        if (OperatingSystem.IsWindows())
        {
            Assert.Ignore("Unix devices");
        }
        string link = _dir.File("zero.dcm");
        File.CreateSymbolicLink(link, "/dev/zero");
        var ex = ErrorWithin10s(() => VolumeFormats.Default.Read(link));
        Assert.That(ex, Is.TypeOf<DicomFormatException>());
        Assert.That(ex.Message, Does.Contain(link).And.Contain("character device"));
    }

    [Test]
    public void Dicom_FifoAndDevZeroLinkInsideASeriesFolder_AreSkippedWithoutBlocking()
    {
        string folder = _dir.File("series");
        Directory.CreateDirectory(folder);
        for (int z = 0; z < 2; z++)
        {
            DicomTestWriter.MrSlice(2, 2, [0, 0, z], Axial, [1, 1], Ramp(4), instance: z + 1).WriteTo(Path.Combine(folder, $"s{z}.dcm"));
        }
        MakeFifo(Path.Combine(folder, "pipe.dcm"));
        File.CreateSymbolicLink(Path.Combine(folder, "zero"), "/dev/zero");
        var v = Within10s(() => VolumeFormats.Default.Read(folder));
        Assert.That(v.Image.Shape.Z, Is.EqualTo(2));
    }
}
