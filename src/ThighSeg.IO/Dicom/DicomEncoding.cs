namespace ThighSeg.IO.Dicom;

/// <summary>How a dataset's elements are encoded.</summary>
internal enum DicomEncoding
{
    ImplicitLittle,
    ExplicitLittle,
    ExplicitBig,

    /// <summary>Explicit VR little endian with encapsulated (compressed) pixel data: parsed for its attributes, never decoded.</summary>
    ExplicitLittleEncapsulated,
}
