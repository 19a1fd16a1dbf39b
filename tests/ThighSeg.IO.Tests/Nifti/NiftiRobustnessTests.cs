using System.Buffers.Binary;
using System.Diagnostics;
using ThighSeg.Core.Volumes;
using ThighSeg.IO.Nifti;

namespace ThighSeg.IO.Tests.Nifti;

/// <summary>Malformed input: every case fails with a VolumeFormatException that says what and where, fast, without large allocations.</summary>
public class NiftiRobustnessTests
{
    private static byte[] Valid(int version = 1) => NiftiTestFiles.File(NiftiTestFiles.Header(4, 3, 2, NiftiDataType.Int16, version: version), new byte[48]);

    private static VolumeFormatException Fails(byte[] bytes, string name = "bad.nii", VolumeReadOptions? options = null) =>
        Assert.Throws<VolumeFormatException>(() => NiftiReader.Read(new MemoryStream(bytes), name, options))!;

    private static byte[] Patch(byte[] b, Action<byte[]> change)
    {
        var c = (byte[])b.Clone();
        change(c);
        return c;
    }

    [TestCase(false)]
    [TestCase(true)]
    public void HugeDeclaredVolumeInSmallFile_FailsFastWithoutAllocating(bool gzip)
    {
        // 1000x1000x1000 int16 = 2 GB declared, in a file of about 1 KB.
        var h = NiftiTestFiles.Header(1000, 1000, 1000, NiftiDataType.Int16);
        byte[] file = NiftiTestFiles.File(h, new byte[600]);
        if (gzip)
        {
            file = NiftiTestFiles.Gzip(file);
        }
        long before = GC.GetAllocatedBytesForCurrentThread();
        var sw = Stopwatch.StartNew();
        var ex = Fails(file, gzip ? "huge.nii.gz" : "huge.nii");
        sw.Stop();
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ex.Message, Does.Contain(gzip ? "huge.nii.gz" : "huge.nii").And.Contain("1000x1000x1000"));
        Assert.That(sw.ElapsedMilliseconds, Is.LessThan(1000));
        Assert.That(allocated, Is.LessThan(4_000_000), "bytes allocated before failing");
    }

    [Test]
    public void GzipWithinDeflateBoundButTruncated_FailsBeforeAllocatingTheOutput()
    {
        // 300x300x300 int16 = 54 MB declared; the gzip (of zeros) is big enough to pass the 1032:1 bound, but the
        // decompressed data ends after 20 MB. Output (216 MB of float) must never be allocated.
        var h = NiftiTestFiles.Header(300, 300, 300, NiftiDataType.Int16);
        byte[] file = NiftiTestFiles.Gzip(NiftiTestFiles.File(h, new byte[20_000_000]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = Fails(file, "short.nii.gz");
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.That(ex.Message, Does.Contain("truncated").And.Contain("short.nii.gz"));
        Assert.That(allocated, Is.LessThan(100_000_000), "the 216 MB output array must not be allocated");
    }

    [Test]
    public void Nifti2WithAbsurdDimensions_Fails()
    {
        var h = NiftiTestFiles.Header(4, 3, 2, NiftiDataType.Int16, version: 2) with { Dim = [3, 1L << 40, 1L << 40, 2, 1, 1, 1, 1] };
        Assert.That(Fails(NiftiTestFiles.File(h, new byte[48])).Message, Does.Contain("too large"));
        h = h with { Dim = [3, 100_000, 100_000, 1000, 1, 1, 1, 1] };
        Assert.That(Fails(NiftiTestFiles.File(h, new byte[48])).Message, Does.Contain("more voxels than one array"));
    }

    [Test]
    public void WrongSizeofHdr_NamesTheField() =>
        Assert.That(Fails(Patch(Valid(), b => b[0] = 0x5d)).Message, Does.Contain("sizeof_hdr").And.Contain("bad.nii"));

    [Test]
    public void WrongMagic_NamesItAndMentionsAnalyze() =>
        Assert.That(Fails(Patch(Valid(), b => b[344] = (byte)'x')).Message, Does.Contain("magic").And.Contain("Analyze"));

    [Test]
    public void WrongNifti2Magic_Fails() =>
        Assert.That(Fails(Patch(Valid(2), b => b[7] = 1)).Message, Does.Contain("NIfTI-2 magic"));

    [Test]
    public void PairMagicInSingleFile_Fails() =>
        Assert.That(Fails(Patch(Valid(), b => b[345] = (byte)'i')).Message, Does.Contain("separate .img"));

    [TestCase(10)]
    [TestCase(200)]
    [TestCase(347)]
    public void TruncatedHeader_Fails(int length) =>
        Assert.That(Fails(Valid()[..length]).Message, Does.Contain("truncated").Or.Contain("too short"));

    [Test]
    public void TruncatedVoxelData_SaysHowMuchIsMissing()
    {
        var ex = Fails(Valid()[..380]);
        Assert.That(ex.Message, Does.Contain("truncated").And.Contain("380"));
        ex = Fails(NiftiTestFiles.Gzip(Valid()[..380]), "t.nii.gz");
        Assert.That(ex.Message, Does.Contain("truncated"));
    }

    [TestCase(0, 0, "dim[0]")]
    [TestCase(0, 8, "dim[0]")]
    [TestCase(1, 0, "dim[1]")]
    [TestCase(2, -5, "dim[2]")]
    public void BadDimensions_NameTheField(int index, int value, string expected) =>
        Assert.That(Fails(Patch(Valid(), b => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(40 + (2 * index)), (short)value))).Message, Does.Contain(expected));

    [Test]
    public void FiveDimensionalData_IsRefused()
    {
        var h = NiftiTestFiles.Header(2, 2, 2, NiftiDataType.UInt8) with { Dim = [5, 2, 2, 2, 1, 3, 1, 1] };
        Assert.That(Fails(NiftiTestFiles.File(h, new byte[24])).Message, Does.Contain("dim[5]"));
    }

    [TestCase(32, "COMPLEX64")]
    [TestCase(128, "RGB24")]
    [TestCase(1024, "INT64")]
    [TestCase(77, "unknown code 77")]
    public void UnsupportedDatatype_IsNamed(int code, string expected) =>
        Assert.That(Fails(Patch(Valid(), b => BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(70), (short)code))).Message, Does.Contain(expected));

    [Test]
    public void CorruptGzip_Fails()
    {
        byte[] gz = NiftiTestFiles.Gzip(NiftiTestFiles.File(NiftiTestFiles.Header(40, 30, 20, NiftiDataType.Int16), Enumerable.Range(0, 48000).Select(i => (byte)(i * 7)).ToArray()));
        for (int at = 12; at < gz.Length - 8; at += 97)
        {
            byte[] bad = Patch(gz, b => b[at] ^= 0x5a);
            try
            {
                NiftiReader.Read(new MemoryStream(bad), "c.nii.gz");
            }
            catch (VolumeFormatException)
            {
            }
        }
        Assert.That(Fails(Patch(gz, b => { for (int i = 10; i < 40; i++) { b[i] = 0xff; } }), "c.nii.gz").Message, Does.Contain("c.nii.gz"));
        Assert.That(Fails(gz[..(gz.Length / 2)], "c.nii.gz").Message, Does.Contain("c.nii.gz"));
    }

    [TestCase(100f, "inside")]
    [TestCase(float.NaN, "vox_offset")]
    [TestCase(-352f, "vox_offset")]
    [TestCase(352.5f, "vox_offset")]
    [TestCase(1e20f, "vox_offset")]
    public void BadVoxOffset_Fails(float offset, string expected) =>
        Assert.That(Fails(Patch(Valid(), b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(108), offset))).Message, Does.Contain(expected));

    [Test]
    public void InfiniteInterceptWithValidSlope_Fails() =>
        Assert.That(Fails(Patch(Valid(), b => { BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(112), 2f); BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(116), float.PositiveInfinity); })).Message,
            Does.Contain("scl_inter"));

    [Test]
    public void NonFiniteOrSingularSform_Fails()
    {
        Assert.That(Fails(Patch(Valid(), b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(284), float.NaN))).Message, Does.Contain("sform").And.Contain("non-finite"));
        Assert.That(Fails(Patch(Valid(), b => b.AsSpan(280, 48).Clear())).Message, Does.Contain("unusable geometry").And.Contain("spacing 0 x 0 x 0"));
    }

    [Test]
    public void BadQuaternion_Fails()
    {
        byte[] qOnly = Patch(Valid(), b => { BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(252), 1); BinaryPrimitives.WriteInt16LittleEndian(b.AsSpan(254), 0); });
        Assert.That(Fails(Patch(qOnly, b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(256), 3f))).Message, Does.Contain("quatern"));
        Assert.That(Fails(Patch(qOnly, b => BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(80), -2f))).Message, Does.Contain("pixdim"));
    }

    [Test]
    public void BadExtensionSize_Fails()
    {
        byte[] b = Patch(Valid(), x => { x[348] = 1; BinaryPrimitives.WriteSingleLittleEndian(x.AsSpan(108), 368); });
        b = [.. b[..352], .. new byte[16], .. b[352..]];
        BinaryPrimitives.WriteInt32LittleEndian(b.AsSpan(352), 1_000_000);
        Assert.That(Fails(b).Message, Does.Contain("esize").And.Contain("352"));
    }

    [Test]
    public void MissingFile_IsAVolumeFormatException() =>
        Assert.That(Assert.Throws<VolumeFormatException>(() => new NiftiReader().Read("/nonexistent/x.nii.gz"))!.Message, Does.Contain("not found"));

    /// <summary>
    /// At least 2,000 seeded corruptions (byte flips, truncations, header-field overwrites with extreme values,
    /// compressed-stream damage) of real nibabel files and ThighSeg-written files: reading must either succeed or
    /// throw VolumeFormatException, never anything else, and the whole run must take seconds.
    /// </summary>
    [Test]
    public void MutatedRealFiles_OnlyEverThrowVolumeFormatException()
    {
        var seeds = new List<(string Name, byte[] Raw, bool Gzip)>();
        void AddReal(string name)
        {
            string p = NiftiTestFiles.Nib(name);
            if (File.Exists(p))
            {
                byte[] b = File.ReadAllBytes(p);
                bool gz = b.Length > 2 && b[0] == 0x1f && b[1] == 0x8b;
                seeds.Add((name, gz ? Gunzip(b) : b, gz));
            }
        }
        AddReal("anatomical.nii");
        AddReal("standard.nii.gz");
        AddReal("example_nifti2.nii.gz");
        AddReal("functional.nii");
        AddReal("reoriented_anat_moved.nii");
        using (var dir = new TempDir())
        {
            var labels = new Volume<int>(new VolumeShape(9, 7, 5), Affine.FromSpacing(-1, 1, 2), Enumerable.Range(0, 315).Select(i => i % 4).ToArray());
            new NiftiWriter().WriteLabels(dir.File("l.nii"), labels, new Dictionary<int, string> { [1] = "a", [2] = "b", [3] = "c" });
            seeds.Add(("labels.nii", File.ReadAllBytes(dir.File("l.nii")), false));
        }
        seeds.Add(("synthetic2.nii", Valid(2), false));
        Assert.That(seeds, Has.Count.GreaterThanOrEqualTo(3));

        // Offsets of the fields worth overwriting, per version.
        int[] fields1 = [0, 40, 42, 44, 46, 48, 70, 72, 76, 80, 84, 88, 108, 112, 116, 252, 254, 256, 260, 264, 268, 280, 284, 296, 312, 344, 348, 352, 356];
        int[] fields2 = [0, 4, 12, 16, 24, 32, 40, 48, 104, 112, 168, 176, 184, 344, 348, 352, 360, 400, 408, 432, 464, 540, 544, 548];
        var rng = new Random(20261127);
        var failures = new List<string>();
        int variants = 0, succeeded = 0;
        var sw = Stopwatch.StartNew();
        for (int n = 0; n < 4000; n++)
        {
            var (name, raw, gz) = seeds[n % seeds.Count];
            byte[] b = (byte[])raw.Clone();
            int kind = rng.Next(5);
            string what;
            int headerSpan = Math.Min(b.Length, 600);
            switch (kind)
            {
                case 0:
                {
                    int flips = 1 + rng.Next(8);
                    for (int f = 0; f < flips; f++)
                    {
                        int at = rng.Next(4) == 0 ? rng.Next(b.Length) : rng.Next(headerSpan);
                        b[at] ^= (byte)(1 << rng.Next(8));
                    }
                    what = $"{flips} bit flips";
                    break;
                }
                case 1:
                {
                    int len = rng.Next(2) == 0 ? rng.Next(headerSpan) : rng.Next(b.Length);
                    b = b[..len];
                    what = $"truncated to {len}";
                    break;
                }
                case 2:
                case 3:
                {
                    int[] fields = BinaryPrimitives.ReadInt32LittleEndian(b) == 540 || BinaryPrimitives.ReadInt32BigEndian(b) == 540 ? fields2 : fields1;
                    int at = fields[rng.Next(fields.Length)];
                    int width = new[] { 1, 2, 4, 8 }[rng.Next(4)];
                    if (at + width > b.Length)
                    {
                        at = 0;
                    }
                    byte[][] extremes =
                    [
                        [0, 0, 0, 0, 0, 0, 0, 0], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                        [0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff, 0x7f], [0, 0, 0xc0, 0x7f, 0, 0, 0xc0, 0x7f], [0, 0, 0x80, 0x7f, 0, 0, 0xf0, 0x7f],
                        [0x80, 0, 0, 0, 0, 0, 0, 0x80], [1, 0, 0, 0, 0, 0, 0, 0], [0, 0x80, 0, 0, 0, 0, 0, 0],
                        [(byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256), (byte)rng.Next(256)],
                    ];
                    byte[] v = extremes[rng.Next(extremes.Length)];
                    v.AsSpan(0, width).CopyTo(b.AsSpan(at));
                    what = $"field at {at} overwritten with {Convert.ToHexString(v, 0, width)}";
                    break;
                }
                default:
                {
                    // Damage the compressed stream itself (gzip seeds), or the tail of an uncompressed file.
                    if (gz)
                    {
                        byte[] z = NiftiTestFiles.Gzip(b);
                        int at = 10 + rng.Next(Math.Max(1, z.Length - 10));
                        z[Math.Min(at, z.Length - 1)] ^= (byte)(1 + rng.Next(255));
                        variants++;
                        Check(z, name, "compressed byte flip");
                        continue;
                    }
                    b = [.. b, .. new byte[rng.Next(64)]];
                    what = "trailing bytes";
                    break;
                }
            }
            if (gz && rng.Next(2) == 0)
            {
                b = NiftiTestFiles.Gzip(b);
            }
            variants++;
            Check(b, name, what);
        }
        sw.Stop();
        TestContext.Out.WriteLine($"{variants} variants in {sw.ElapsedMilliseconds} ms; {succeeded} still readable");
        Assert.That(failures, Is.Empty, string.Join("\n", failures.Take(10)));
        Assert.That(variants, Is.GreaterThanOrEqualTo(2000));
        Assert.That(succeeded, Is.GreaterThan(0).And.LessThan(variants), "the mutations should produce both readable and rejected files");
        Assert.That(sw.Elapsed, Is.LessThan(TimeSpan.FromSeconds(20)));

        void Check(byte[] bytes, string name, string what)
        {
            var options = new VolumeReadOptions { VolumeIndex = rng.Next(3) == 0 ? null : rng.Next(2) };
            try
            {
                var loaded = NiftiReader.Read(new MemoryStream(bytes), name, options);
                Assert.That(loaded.Image.Data, Has.Length.EqualTo(loaded.Image.Shape.VoxelCount));
                succeeded++;
            }
            catch (VolumeFormatException ex)
            {
                if (!ex.Message.Contains(name, StringComparison.Ordinal))
                {
                    failures.Add($"{name} ({what}): message does not name the source: {ex.Message}");
                }
            }
            catch (Exception ex)
            {
                failures.Add($"{name} ({what}): {ex.GetType().Name}: {ex.Message}");
            }
        }
    }

    private static byte[] Gunzip(byte[] gz)
    {
        using var z = new System.IO.Compression.GZipStream(new MemoryStream(gz), System.IO.Compression.CompressionMode.Decompress);
        var ms = new MemoryStream();
        z.CopyTo(ms);
        return ms.ToArray();
    }
}
