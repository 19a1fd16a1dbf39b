namespace ThighSeg.IO.Nifti;

/// <summary>Facts about <see cref="NiftiDataType"/> values.</summary>
internal static class NiftiDataTypes
{
    public static bool IsSupported(int code) => code is 2 or 4 or 8 or 16 or 64 or 256 or 512 or 768;

    public static int BytesPerVoxel(NiftiDataType t) => t switch
    {
        NiftiDataType.UInt8 or NiftiDataType.Int8 => 1,
        NiftiDataType.Int16 or NiftiDataType.UInt16 => 2,
        NiftiDataType.Int32 or NiftiDataType.UInt32 or NiftiDataType.Float32 => 4,
        NiftiDataType.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "Unsupported NIfTI datatype."),
    };

    public static string Name(NiftiDataType t) => t switch
    {
        NiftiDataType.UInt8 => "uint8",
        NiftiDataType.Int8 => "int8",
        NiftiDataType.Int16 => "int16",
        NiftiDataType.UInt16 => "uint16",
        NiftiDataType.Int32 => "int32",
        NiftiDataType.UInt32 => "uint32",
        NiftiDataType.Float32 => "float32",
        NiftiDataType.Float64 => "float64",
        _ => throw new ArgumentOutOfRangeException(nameof(t), t, "Unsupported NIfTI datatype."),
    };

    /// <summary>Names of the NIfTI datatype codes we do not read, for error messages.</summary>
    public static string Describe(int code) => code switch
    {
        0 => "DT_UNKNOWN (0)",
        1 => "DT_BINARY (1)",
        32 => "DT_COMPLEX64 (32)",
        128 => "DT_RGB24 (128)",
        255 => "DT_ALL (255)",
        1024 => "DT_INT64 (1024)",
        1280 => "DT_UINT64 (1280)",
        1536 => "DT_FLOAT128 (1536)",
        1792 => "DT_COMPLEX128 (1792)",
        2048 => "DT_COMPLEX256 (2048)",
        2304 => "DT_RGBA32 (2304)",
        _ => $"unknown code {code}",
    };
}
