using ThighSeg.IO.Dicom;

namespace ThighSeg.IO.Tests.Dicom;

[TestFixture]
public sealed class DicomFileTests
{
    private static readonly double[] Axial = [1, 0, 0, 0, 1, 0];

    private static short[] Ramp(int n, int start = 0) => Enumerable.Range(start, n).Select(v => (short)v).ToArray();

    private static DicomTestWriter Slice(int rows = 3, int cols = 4) =>
        DicomTestWriter.MrSlice(rows, cols, [10, 20, 30], Axial, [0.5, 0.25], Ramp(rows * cols, -5));

    [TestCase(TestSyntax.ExplicitLittle, true)]
    [TestCase(TestSyntax.ExplicitLittle, false)]
    [TestCase(TestSyntax.ImplicitLittle, true)]
    [TestCase(TestSyntax.ExplicitBig, true)]
    [TestCase(TestSyntax.DeflatedExplicitLittle, true)]
    public void Read_DecodesEverySupportedTransferSyntax_WithAndWithoutPreamble(TestSyntax syntax, bool preamble)
    {
        var v = DicomSeriesReader.ReadSingle(Slice().ToBytes(syntax, preamble), "slice.dcm");

        Assert.That(v.Image.Shape, Is.EqualTo(new Core.Volumes.VolumeShape(4, 3, 1)));
        Assert.That(v.StoredType.Name, Is.EqualTo("int16"));
        // Stored row r lands at y = Rows-1-r (dcm2niix's order): stored (row 0, col 0) = -5 is at (0, 2, 0).
        Assert.That(v.Image[0, 2, 0], Is.EqualTo(-5f));
        Assert.That(v.Image[3, 2, 0], Is.EqualTo(-2f));
        Assert.That(v.Image[3, 0, 0], Is.EqualTo(6f));
    }

    [Test]
    public void Read_RawDatasetWithoutMetaHeader_IsReadAsImplicitLittleEndian()
    {
        byte[] bytes = Slice().ToBytes(TestSyntax.ImplicitLittle, preamble: false, meta: false);
        var v = DicomSeriesReader.ReadSingle(bytes, "raw");
        Assert.That(v.Image.Data.Sum(), Is.EqualTo(Ramp(12, -5).Sum(s => (float)s)));
    }

    [Test]
    public void Read_RawExplicitDatasetWithoutMetaHeader_IsDetectedFromTheVr()
    {
        byte[] bytes = Slice().ToBytes(TestSyntax.ExplicitLittle, preamble: false, meta: false);
        var v = DicomSeriesReader.ReadSingle(bytes, "raw");
        Assert.That(v.Image[0, 2, 0], Is.EqualTo(-5f));
    }

    [Test]
    public void Read_GeometryFollowsPixelSpacingRowThenColumnOrder_AndFlipsLpsToRas()
    {
        // PixelSpacing [0.5, 0.25]: 0.5 mm between rows, 0.25 mm between columns.
        var v = DicomSeriesReader.ReadSingle(Slice().ToBytes(), "s");
        var a = v.Image.Affine;
        Assert.That(v.Image.Spacing.X, Is.EqualTo(0.25).Within(1e-12));
        Assert.That(v.Image.Spacing.Y, Is.EqualTo(0.5).Within(1e-12));
        // Stored pixel (row 2, col 3) is at LPS (10 + 3*0.25, 20 + 2*0.5, 30) = RAS (-10.75, -21, 30); it is voxel (3, 0, 0).
        var w = a.Apply(3, 0, 0);
        Assert.That(new[] { w.X, w.Y, w.Z }, Is.EqualTo(new[] { -10.75, -21.0, 30.0 }).Within(1e-9));
        // Stored (0, 0) = RAS (-10, -20, 30) is voxel (0, 2, 0).
        w = a.Apply(0, 2, 0);
        Assert.That(new[] { w.X, w.Y, w.Z }, Is.EqualTo(new[] { -10.0, -20.0, 30.0 }).Within(1e-9));
    }

    [Test]
    public void Read_SingleSliceThickness_ComesFromSliceThickness()
    {
        var w = Slice().Numbers(0x00180050, 3.5);
        var v = DicomSeriesReader.ReadSingle(w.ToBytes(), "s");
        Assert.That(v.Image.Spacing.Z, Is.EqualTo(3.5).Within(1e-12));
    }

    [Test]
    public void Read_AppliesRescaleSlopeAndIntercept()
    {
        var w = DicomTestWriter.MrSlice(1, 2, [0, 0, 0], Axial, [1, 1], [(short)-3, (short)100], slope: 0.5, intercept: -1024);
        var v = DicomSeriesReader.ReadSingle(w.ToBytes(), "s");
        Assert.That(v.Image.Data, Is.EqualTo(new[] { -1025.5f, -974f }));
    }

    [Test]
    public void Read_MasksBitsAboveHighBit_AndSignExtendsStoredBits()
    {
        // 12 stored bits in 16, signed: 0xF800 has garbage in the top nibble; 0x0800 is -2048 after sign extension; 0x07FF is 2047.
        var w = Slice(1, 3).US(0x00280101, 12).US(0x00280102, 11).Pixels(2, [0xF800, 0x0800, 0x17FF]);
        var v = DicomSeriesReader.ReadSingle(w.ToBytes(), "s");
        Assert.That(v.Image.Data, Is.EqualTo(new[] { -2048f, -2048f, 2047f }));
    }

    [Test]
    public void Read_UnsignedStoredBitsBelowHighBit_AreShiftedDown()
    {
        // BitsStored 8, HighBit 11: the value sits in bits 4..11.
        var w = Slice(1, 2).US(0x00280101, 8).US(0x00280102, 11).US(0x00280103, 0).Pixels(2, [0xFFF0, 0x0120]);
        var v = DicomSeriesReader.ReadSingle(w.ToBytes(), "s");
        Assert.That(v.Image.Data, Is.EqualTo(new[] { 255f, 18f }));
        Assert.That(v.StoredType.Name, Is.EqualTo("uint16"));
    }

    [TestCase(8, false, "uint8")]
    [TestCase(8, true, "int8")]
    [TestCase(32, false, "uint32")]
    [TestCase(32, true, "int32")]
    public void Read_DecodesOtherBitDepths(int bits, bool signed, string typeName)
    {
        long[] words = bits == 8 ? [0x01, 0xFF] : [0x00000001, 0xFFFFFFFE];
        var w = Slice(1, 2).US(0x00280100, (ushort)bits).US(0x00280101, (ushort)bits).US(0x00280102, (ushort)(bits - 1))
            .US(0x00280103, signed ? (ushort)1 : (ushort)0).Pixels(bits / 8, words);
        foreach (var syntax in new[] { TestSyntax.ExplicitLittle, TestSyntax.ExplicitBig, TestSyntax.ImplicitLittle })
        {
            var v = DicomSeriesReader.ReadSingle(w.ToBytes(syntax), "s");
            float expectedSecond = (bits, signed) switch
            {
                (8, false) => 255f,
                (8, true) => -1f,
                (32, false) => 4294967294f,
                _ => -2f,
            };
            Assert.That(v.Image.Data, Is.EqualTo(new[] { 1f, expectedSecond }), syntax.ToString());
            Assert.That(v.StoredType.Name, Is.EqualTo(typeName));
        }
    }

    [Test]
    public void Read_Monochrome1_KeepsTheRescaledValues()
    {
        var w = Slice().Text(0x00280004, "CS", "MONOCHROME1");
        var v = DicomSeriesReader.ReadSingle(w.ToBytes(), "s");
        Assert.That(v.Image[0, 2, 0], Is.EqualTo(-5f));
    }

    [Test]
    public void Read_PaddedPixelData_IgnoresTheTrailingBytes()
    {
        var w = Slice(1, 3).Pixels(2, [7, 8, 9, 0]);
        Assert.That(DicomSeriesReader.ReadSingle(w.ToBytes(), "s").Image.Data, Is.EqualTo(new[] { 7f, 8f, 9f }));
    }

    [TestCase(false, false)]
    [TestCase(true, false)]
    [TestCase(false, true)]
    [TestCase(true, true)]
    public void Read_SkipsSequencesOfDefinedAndUndefinedLength(bool undefinedLength, bool undefinedItems)
    {
        var nested = new DicomTestWriter().Text(0x00080100, "SH", "CODE").Sequence(0x00400260, undefinedLength, undefinedItems,
            new DicomTestWriter().Text(0x00080104, "LO", "inner"));
        // In implicit VR, an element inside a sequence that looks like Rows must not leak to the top level.
        var item = new DicomTestWriter().US(0x00280010, 999).Text(0x00080102, "SH", "DCM").Sequence(0x00400008, undefinedLength, undefinedItems, nested);
        var w = Slice().Sequence(0x00081032, undefinedLength, undefinedItems, item, new DicomTestWriter().Text(0x00080104, "LO", "second"));
        foreach (var syntax in new[] { TestSyntax.ExplicitLittle, TestSyntax.ImplicitLittle, TestSyntax.ExplicitBig, TestSyntax.DeflatedExplicitLittle })
        {
            var v = DicomSeriesReader.ReadSingle(w.ToBytes(syntax), "s");
            Assert.That(v.Image.Shape.Y, Is.EqualTo(3), syntax.ToString());
            Assert.That(v.Image[0, 2, 0], Is.EqualTo(-5f), syntax.ToString());
        }
    }

    [Test]
    public void Read_EmptySequence_IsSkipped()
    {
        var w = Slice().Sequence(0x00081032, false, false).Sequence(0x00081140, true, true);
        Assert.That(DicomSeriesReader.ReadSingle(w.ToBytes(), "s").Image.Shape.X, Is.EqualTo(4));
    }

    [TestCase("1.2.840.10008.1.2.5", "RLE Lossless")]
    [TestCase("1.2.840.10008.1.2.4.50", "JPEG Baseline")]
    [TestCase("1.2.840.10008.1.2.4.80", "JPEG-LS Lossless")]
    [TestCase("1.2.840.10008.1.2.4.90", "JPEG 2000")]
    [TestCase("1.2.3.4.999", "unknown transfer syntax")]
    public void Read_CompressedOrUnknownTransferSyntax_IsRefusedByUidAndName(string uid, string name)
    {
        byte[] bytes = Slice().ToBytes(TestSyntax.ExplicitLittle, transferSyntaxOverride: uid);
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(bytes, "c.dcm"));
        Assert.That(ex!.Message, Does.Contain(uid).And.Contain(name).And.Contain("c.dcm"));
    }

    [Test]
    public void Read_UndefinedLengthPixelDataInNativeSyntax_IsRefused()
    {
        byte[] bytes = Slice().ToBytes();
        // Rewrite the pixel data length field (last element: tag 4, VR 2, reserved 2, length 4) to undefined.
        int pixelHeader = bytes.Length - (3 * 4 * 2) - 12;
        Assert.That(bytes[pixelHeader], Is.EqualTo(0xE0));
        BitConverter.GetBytes(0xFFFFFFFFu).CopyTo(bytes, pixelHeader + 8);
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(bytes, "u.dcm"));
        Assert.That(ex!.Message, Does.Contain("undefined length").And.Contain("(7FE0,0010)"));
    }

    [Test]
    public void Read_MultiFrameObject_IsRefusedNamingTheSopClass()
    {
        var w = Slice(1, 2).Text(0x00280008, "IS", "2").Pixels(2, [1, 2, 3, 4]);
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(w.ToBytes(), "m"));
        Assert.That(ex!.Message, Does.Contain("multi-frame").And.Contain("1.2.840.10008.5.1.4.1.1.4 (MR Image Storage)"));
    }

    [Test]
    public void Read_FunctionalGroupObjectThatIsNoImageVolume_IsRefusedNamingTheSopClass()
    {
        var w = Slice().Text(0x00080016, "UI", "1.2.840.10008.5.1.4.1.1.13.1.3");
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(w.ToBytes(), "e"));
        Assert.That(ex!.Message, Does.Contain("Breast Tomosynthesis Image Storage").And.Contain("enhanced and legacy converted MR, CT and PET"));
    }

    [Test]
    public void Read_ColourImage_IsRefused()
    {
        var w = Slice().US(0x00280002, 3).Text(0x00280004, "CS", "RGB");
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(w.ToBytes(), "rgb"));
        Assert.That(ex!.Message, Does.Contain("SamplesPerPixel is 3"));
    }

    [Test]
    public void Read_OddValueLength_IsRefusedWithTagAndOffset()
    {
        byte[] bytes = Slice().Text(0x00100010, "PN", "AB").ToBytes();
        int at = IndexOf(bytes, [0x10, 0x00, 0x10, 0x00, (byte)'P', (byte)'N']);
        bytes[at + 6] = 3;
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(bytes, "odd.dcm"));
        Assert.That(ex!.Message, Does.Contain("odd value length 3").And.Contain("(0010,0010)").And.Contain($"offset {at}"));
        Assert.That(ex.Offset, Is.EqualTo(at));
    }

    [Test]
    public void Read_GarbageVr_IsRefused()
    {
        byte[] bytes = Slice().Text(0x00100010, "PN", "AB").ToBytes();
        int at = IndexOf(bytes, [0x10, 0x00, 0x10, 0x00, (byte)'P', (byte)'N']);
        bytes[at + 4] = (byte)'!';
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(bytes, "vr.dcm"));
        Assert.That(ex!.Message, Does.Contain("invalid VR").And.Contain("(0010,0010)"));
    }

    [Test]
    public void Read_LengthBeyondTheEndOfFile_IsRefusedWithoutAllocating()
    {
        byte[] bytes = Slice().ToBytes();
        int pixelHeader = bytes.Length - (3 * 4 * 2) - 12;
        BitConverter.GetBytes(0x7FFFFFF0u).CopyTo(bytes, pixelHeader + 8);
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(bytes, "big.dcm"));
        Assert.That(ex!.Message, Does.Contain("exceeds"));
    }

    [Test]
    public void Read_AbsurdRowsAndColumns_AreRefusedAgainstThePixelDataLength()
    {
        var w = Slice().US(0x00280010, 65535).US(0x00280011, 65535);
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(w.ToBytes(), "huge.dcm"));
        Assert.That(ex!.Message, Does.Contain("pixel data holds 24 bytes").And.Contain("65535x65535"));
    }

    [Test]
    public void Read_TruncatedFile_IsRefused()
    {
        byte[] bytes = Slice().ToBytes();
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(bytes[..^5], "t.dcm"));
        Assert.That(ex!.Message, Does.Contain("(7FE0,0010)"));
    }

    [Test]
    public void Read_DeeplyNestedSequences_AreRefusedNotOverflowingTheStack()
    {
        var w = new DicomTestWriter().Text(0x00080100, "SH", "X");
        for (int i = 0; i < 200; i++)
        {
            w = new DicomTestWriter().Sequence(0x00400008, true, true, w);
        }
        var slice = Slice().Sequence(0x00081032, true, true, w);
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(slice.ToBytes(), "deep.dcm"));
        Assert.That(ex!.Message, Does.Contain("nested deeper"));
    }

    [Test]
    public void Read_CorruptDeflateStream_IsRefused()
    {
        byte[] bytes = Slice().ToBytes(TestSyntax.DeflatedExplicitLittle);
        int metaEnd = bytes.Length - 40;
        for (int i = metaEnd; i < bytes.Length; i++)
        {
            bytes[i] = 0xFF;
        }
        Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(bytes, "dfl.dcm"));
    }

    [Test]
    public void Read_MissingRows_IsRefusedNamingTheAttribute()
    {
        var ex = Assert.Throws<DicomFormatException>(() => DicomSeriesReader.ReadSingle(Slice().Remove(0x00280010).ToBytes(), "r"));
        Assert.That(ex!.Message, Does.Contain("Rows is missing").And.Contain("(0028,0010)"));
    }

    [Test]
    public void Read_ImageWithoutGeometry_GetsIdentityOrientationAndOneMillimetre()
    {
        var w = Slice().Remove(0x00200032).Remove(0x00200037).Remove(0x00280030);
        var a = DicomSeriesReader.ReadSingle(w.ToBytes(), "sc").Image.Affine;
        // LPS identity with rows flipped: x -> -R (L), y -> +A (flipped P), z -> S.
        Assert.That(a.RowMajor.ToArray(), Is.EqualTo(new double[] { -1, 0, 0, 0, 0, 1, 0, -2, 0, 0, 1, 0, 0, 0, 0, 1 }).Within(1e-12));
    }

    [Test]
    public void CanRead_RecognisesDicomFilesAndFoldersButNotOtherFiles()
    {
        string dir = Directory.CreateTempSubdirectory("thighseg-dicom-canread-").FullName;
        try
        {
            var reader = new DicomSeriesReader();
            Assert.That(reader.CanRead(dir), Is.False);
            File.WriteAllText(Path.Combine(dir, "notes.txt"), "hello");
            Assert.That(reader.CanRead(dir), Is.False);
            Assert.That(reader.CanRead(Path.Combine(dir, "notes.txt")), Is.False);
            string noExt = Slice().WriteTo(Path.Combine(dir, "IM0001"));
            Assert.That(reader.CanRead(noExt), Is.True);
            Assert.That(reader.CanRead(dir), Is.True);
            Assert.That(reader.CanRead(Path.Combine(dir, "missing.dcm")), Is.False);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    internal static int IndexOf(byte[] haystack, byte[] needle)
    {
        int at = haystack.AsSpan().IndexOf(needle);
        Assert.That(at, Is.GreaterThanOrEqualTo(0), "pattern not found");
        return at;
    }
}
