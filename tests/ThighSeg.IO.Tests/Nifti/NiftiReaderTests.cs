using ThighSeg.Core.Volumes;
using ThighSeg.IO.Nifti;

namespace ThighSeg.IO.Tests.Nifti;

public class NiftiReaderTests
{
    private static readonly NiftiDataType[] AllTypes =
        [NiftiDataType.UInt8, NiftiDataType.Int8, NiftiDataType.Int16, NiftiDataType.UInt16, NiftiDataType.Int32, NiftiDataType.UInt32, NiftiDataType.Float32, NiftiDataType.Float64];

    private static double[] ValuesFor(NiftiDataType type, int n) => Enumerable.Range(0, n).Select(i => type switch
    {
        NiftiDataType.UInt8 => (double)(i * 37 % 256),
        NiftiDataType.Int8 => (i * 37 % 256) - 128,
        NiftiDataType.Int16 => (i * 4099 % 65536) - 32768,
        NiftiDataType.UInt16 => i * 4099 % 65536,
        NiftiDataType.Int32 => (i * 1_000_003L % 4_000_000_000L) - 2_000_000_000L,
        NiftiDataType.UInt32 => i * 1_000_003L % 4_000_000_000L,
        NiftiDataType.Float32 => (float)((i * 0.37) - 5.5),
        _ => (i * 0.37) - 5.5,
    }).ToArray();

    [Test]
    public void Read_GivesExactValues_ForEveryDatatypeAndByteOrderAndVersion(
        [ValueSource(nameof(AllTypes))] NiftiDataType type, [Values] bool bigEndian, [Values(1, 2)] int version)
    {
        // 5x4x3 = 60 voxels: enough for the SIMD path (32 shorts) plus a scalar tail.
        var h = NiftiTestFiles.Header(5, 4, 3, type, version: version);
        double[] values = ValuesFor(type, 60);
        byte[] file = NiftiTestFiles.File(h, NiftiTestFiles.Encode(values, type, bigEndian), bigEndian);
        var loaded = NiftiReader.Read(new MemoryStream(file), "mem.nii");
        Assert.That(loaded.StoredType.Name, Is.EqualTo(NiftiDataTypes.Name(type)));
        Assert.That(loaded.Image.Shape, Is.EqualTo(new VolumeShape(5, 4, 3)));
        Assert.That(loaded.Image.Data, Is.EqualTo(values.Select(v => (float)v).ToArray()));
        Assert.That(loaded.Image.Affine, Is.EqualTo(Affine.FromRowMajor([1.5, 0, 0, -10, 0, 2, 0, 20, 0, 0, 3, 30, 0, 0, 0, 1])));
    }

    [Test]
    public void Read_AppliesSlopeAndIntercept_InDouble()
    {
        var h = NiftiTestFiles.Header(4, 1, 1, NiftiDataType.Int16) with { SclSlope = 0.5f, SclInter = -3.25f };
        var file = NiftiTestFiles.File(h, NiftiTestFiles.Encode([0, 1, -7, 1000], NiftiDataType.Int16, false));
        var v = NiftiReader.Read(new MemoryStream(file), "mem.nii").Image.Data;
        Assert.That(v, Is.EqualTo(new float[] { -3.25f, -2.75f, -6.75f, 496.75f }));
    }

    [TestCase(0.0)]
    [TestCase(double.NaN)]
    public void Read_IgnoresScaling_WhenSlopeIsZeroOrNaN(double slope)
    {
        var h = NiftiTestFiles.Header(2, 1, 1, NiftiDataType.UInt8) with { SclSlope = slope, SclInter = 100 };
        var file = NiftiTestFiles.File(h, [3, 4]);
        Assert.That(NiftiReader.Read(new MemoryStream(file), "mem.nii").Image.Data, Is.EqualTo(new float[] { 3, 4 }));
    }

    [Test]
    public void Read_UsesSform_WhenSformCodeIsSet_EvenWithQform()
    {
        var h = NiftiTestFiles.Header(2, 2, 2, NiftiDataType.UInt8) with { QformCode = 1, QuaternD = 1, QOffsetX = 99 };
        var a = NiftiReader.Read(new MemoryStream(NiftiTestFiles.File(h, new byte[8])), "mem.nii").Image.Affine;
        Assert.That(a[0, 3], Is.EqualTo(-10));
    }

    [Test]
    public void Read_UsesQuaternionWithQfac_WhenOnlyQformCodeIsSet()
    {
        // 180 degrees about z (d = 1): x and y negated; qfac -1 negates the third column.
        var h = NiftiTestFiles.Header(2, 2, 2, NiftiDataType.UInt8) with
        {
            SformCode = 0, QformCode = 1, QuaternB = 0, QuaternC = 0, QuaternD = 1, QOffsetX = 5, QOffsetY = 6, QOffsetZ = 7,
            PixDim = [-1, 2, 3, 4, 0, 0, 0, 0],
        };
        var a = NiftiReader.Read(new MemoryStream(NiftiTestFiles.File(h, new byte[8])), "mem.nii").Image.Affine;
        Assert.That(a.ApproximatelyEquals(Affine.FromRowMajor([-2, 0, 0, 5, 0, -3, 0, 6, 0, 0, -4, 7, 0, 0, 0, 1]), 1e-12), Is.True, a.ToString());
    }

    [Test]
    public void Read_FallsBackToPixdimLikeNibabel_WhenNoTransformCode()
    {
        var h = NiftiTestFiles.Header(4, 5, 6, NiftiDataType.UInt8) with { SformCode = 0, QformCode = 0 };
        var a = NiftiReader.Read(new MemoryStream(NiftiTestFiles.File(h, new byte[120])), "mem.nii").Image.Affine;
        Assert.That(a, Is.EqualTo(Affine.FromRowMajor([-1.5, 0, 0, 2.25, 0, 2, 0, -4, 0, 0, 3, -7.5, 0, 0, 0, 1])));
    }

    [Test]
    public void Read_SelectsVolume_In4DFile_AndRefusesWithoutIndex()
    {
        var h = NiftiTestFiles.Header(2, 1, 1, NiftiDataType.UInt8, nt: 3);
        var file = NiftiTestFiles.Gzip(NiftiTestFiles.File(h, [1, 2, 3, 4, 5, 6]));
        Assert.That(NiftiReader.Read(new MemoryStream(file), "m.nii.gz", new VolumeReadOptions { VolumeIndex = 2 }).Image.Data, Is.EqualTo(new float[] { 5, 6 }));
        var ex = Assert.Throws<VolumeFormatException>(() => NiftiReader.Read(new MemoryStream(file), "m.nii.gz"));
        Assert.That(ex!.Message, Does.Contain("3 volumes").And.Contain("VolumeIndex"));
        ex = Assert.Throws<VolumeFormatException>(() => NiftiReader.Read(new MemoryStream(file), "m.nii.gz", new VolumeReadOptions { VolumeIndex = 3 }));
        Assert.That(ex!.Message, Does.Contain("out of range"));
    }

    [Test]
    public void Read_ReadsHdrImgPairs_PlainAndGzipped()
    {
        using var dir = new TempDir();
        var h = NiftiTestFiles.Header(3, 2, 1, NiftiDataType.Int16) with { VoxOffset = 0 };
        byte[] header = h.ToBytes();
        header[344 + 1] = (byte)'i'; // "ni1": pair magic
        var img = NiftiTestFiles.Encode([1, -2, 3, -4, 5, -6], NiftiDataType.Int16, false);
        File.WriteAllBytes(dir.File("a.hdr"), header);
        File.WriteAllBytes(dir.File("a.img"), img);
        File.WriteAllBytes(dir.File("b.hdr.gz"), NiftiTestFiles.Gzip(header));
        File.WriteAllBytes(dir.File("b.img.gz"), NiftiTestFiles.Gzip(img));
        var reader = new NiftiReader();
        foreach (var p in new[] { "a.hdr", "a.img", "b.hdr.gz", "b.img.gz" })
        {
            Assert.That(reader.CanRead(dir.File(p)), Is.True);
            Assert.That(reader.Read(dir.File(p)).Image.Data, Is.EqualTo(new float[] { 1, -2, 3, -4, 5, -6 }), p);
        }
        File.Delete(dir.File("a.img"));
        var ex = Assert.Throws<VolumeFormatException>(() => reader.Read(dir.File("a.hdr")));
        Assert.That(ex!.Message, Does.Contain("a.img").And.Contain("not found"));
    }

    [Test]
    public void Read_RecognisesGzipByContent_WhateverTheName()
    {
        using var dir = new TempDir();
        var h = NiftiTestFiles.Header(2, 1, 1, NiftiDataType.UInt8);
        File.WriteAllBytes(dir.File("x.nii"), NiftiTestFiles.Gzip(NiftiTestFiles.File(h, [7, 8])));
        Assert.That(new NiftiReader().Read(dir.File("x.nii")).Image.Data, Is.EqualTo(new float[] { 7, 8 }));
    }

    [Test]
    public void Read_ReadsFromNonSeekableStream()
    {
        var h = NiftiTestFiles.Header(2, 1, 1, NiftiDataType.UInt8);
        foreach (var bytes in new[] { NiftiTestFiles.File(h, [7, 8]), NiftiTestFiles.Gzip(NiftiTestFiles.File(h, [7, 8])) })
        {
            using var s = new ForwardOnlyStream(bytes);
            Assert.That(NiftiReader.Read(s, "pipe").Image.Data, Is.EqualTo(new float[] { 7, 8 }));
        }
    }

    [Test]
    public void Read_SkipsForeignExtensions_AndReadsLabelExtension()
    {
        var labels = new Dictionary<int, string> { [1] = "vastus lateralis", [2] = "gracilis" };
        byte[] ours = NiftiLabelExtension.Encode(labels);
        byte[] foreign = new byte[32];
        BitConverter.TryWriteBytes(foreign.AsSpan(0, 4), 32);
        BitConverter.TryWriteBytes(foreign.AsSpan(4, 4), 6);
        "plain comment"u8.CopyTo(foreign.AsSpan(8));
        var h = NiftiTestFiles.Header(2, 1, 1, NiftiDataType.UInt8) with { VoxOffset = 352 + foreign.Length + ours.Length };
        var ms = new MemoryStream();
        ms.Write(h.ToBytes());
        ms.Write([1, 0, 0, 0]);
        ms.Write(foreign);
        ms.Write(ours);
        ms.Write([1, 2]);
        var loaded = NiftiReader.Read(new MemoryStream(ms.ToArray()), "mem.nii");
        Assert.That(loaded.Image.Data, Is.EqualTo(new float[] { 1, 2 }));
        Assert.That(loaded.LabelNames, Is.EqualTo(labels));
    }

    private sealed class ForwardOnlyStream(byte[] data) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() { }

        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 7));

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
