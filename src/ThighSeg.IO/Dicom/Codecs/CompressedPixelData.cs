namespace ThighSeg.IO.Dicom.Codecs;

/// <summary>
/// Which compressed transfer syntaxes ThighSeg decodes (RLE Lossless; JPEG lossless process 14, any predictor; JPEG
/// baseline and extended, 8 and 12 bit; encapsulated uncompressed), the decoding of one frame, and the refusal, with the
/// command that converts the file, for the others (JPEG-LS, JPEG 2000, HTJ2K, JPEG XL, video ...).
/// </summary>
internal static class CompressedPixelData
{
    public const string RleLossless = "1.2.840.10008.1.2.5";
    public const string JpegBaseline = "1.2.840.10008.1.2.4.50";
    public const string JpegExtended = "1.2.840.10008.1.2.4.51";
    public const string JpegLossless = "1.2.840.10008.1.2.4.57";
    public const string JpegLosslessFirstOrder = "1.2.840.10008.1.2.4.70";
    public const string EncapsulatedUncompressed = "1.2.840.10008.1.2.1.98";

    /// <summary>True for an encapsulated transfer syntax ThighSeg decodes.</summary>
    public static bool CanDecode(string transferSyntax) =>
        transferSyntax is RleLossless or JpegBaseline or JpegExtended or JpegLossless or JpegLosslessFirstOrder or EncapsulatedUncompressed;

    /// <summary>The refusal for an encapsulated transfer syntax ThighSeg does not decode, naming the conversion command.</summary>
    public static DicomFormatException Refusal(string source, string transferSyntax)
    {
        string what = transferSyntax switch
        {
            "1.2.840.10008.1.2.4.80" or "1.2.840.10008.1.2.4.81" =>
                "no maintained managed JPEG-LS decoder is available to ThighSeg; convert the files first with `dcmdjpls in.dcm out.dcm` (dcmtk) or `gdcmconv --raw in.dcm out.dcm` (gdcm)",
            "1.2.840.10008.1.2.4.90" or "1.2.840.10008.1.2.4.91" or "1.2.840.10008.1.2.4.92" or "1.2.840.10008.1.2.4.93" =>
                "no maintained managed JPEG 2000 decoder is available to ThighSeg; convert the files first with `gdcmconv --raw in.dcm out.dcm` (gdcm)",
            "1.2.840.10008.1.2.4.201" or "1.2.840.10008.1.2.4.202" or "1.2.840.10008.1.2.4.203" =>
                "no managed High-Throughput JPEG 2000 decoder is available to ThighSeg; convert the files to an uncompressed transfer syntax with a tool that decodes HTJ2K (for example pydicom with pylibjpeg-openjpeg: `python3 -c \"import pydicom; d = pydicom.dcmread('in.dcm'); d.decompress(); d.save_as('out.dcm')\"`)",
            _ => "ThighSeg decodes uncompressed, RLE Lossless and JPEG (lossless, baseline and extended) pixel data only; " +
                "convert the files to an uncompressed transfer syntax first (for example `gdcmconv --raw in.dcm out.dcm` where gdcm supports the syntax)",
        };
        return new DicomFormatException(source, $"transfer syntax {DicomUids.DescribeTransferSyntax(transferSyntax)} is not supported: {what}",
            DicomParser.FormatTag(0x00020010), null);
    }

    /// <summary>
    /// Decodes frame <paramref name="frame"/> of <paramref name="frames"/> to the layout of uncompressed little endian
    /// data: <paramref name="rows"/>·<paramref name="columns"/> pixels of <paramref name="bitsAllocated"/> bits.
    /// </summary>
    /// <exception cref="DicomFormatException">Malformed encapsulation or compressed data.</exception>
    public static byte[] DecodeFrame(DicomDataset ds, int frame, int frames, int rows, int columns, int bitsAllocated)
    {
        bool jpeg = ds.TransferSyntax is JpegBaseline or JpegExtended or JpegLossless or JpegLosslessFirstOrder;
        ReadOnlyMemory<byte> data = EncapsulatedFrames.Frame(ds, frame, frames, jpeg);
        int frameBytes = rows * columns * (bitsAllocated / 8);
        switch (ds.TransferSyntax)
        {
            case RleLossless:
                return RleDecoder.Decode(data.Span, rows, columns, bitsAllocated / 8, ds.Source);
            case EncapsulatedUncompressed:
                if (data.Length < frameBytes)
                {
                    throw ds.Error($"the encapsulated uncompressed frame holds {data.Length} bytes, {frameBytes} needed", DicomParser.PixelDataTag);
                }
                return data[..frameBytes].ToArray();
            default:
                if (bitsAllocated > 16)
                {
                    throw ds.Error($"BitsAllocated {bitsAllocated} cannot be JPEG compressed (8 or 16 needed)", DicomParser.PixelDataTag);
                }
                return JpegFrameDecoder.Decode(data, rows, columns, bitsAllocated, ds.Source);
        }
    }
}
