namespace ThighSeg.IO.Nifti;

/// <summary>The NIfTI <c>datatype</c> codes ThighSeg reads (and, for the integer types and float32, writes).</summary>
public enum NiftiDataType : short
{
    /// <summary>Unsigned 8-bit integer (DT_UINT8 = 2).</summary>
    UInt8 = 2,

    /// <summary>Signed 16-bit integer (DT_INT16 = 4).</summary>
    Int16 = 4,

    /// <summary>Signed 32-bit integer (DT_INT32 = 8).</summary>
    Int32 = 8,

    /// <summary>IEEE 32-bit float (DT_FLOAT32 = 16).</summary>
    Float32 = 16,

    /// <summary>IEEE 64-bit float (DT_FLOAT64 = 64).</summary>
    Float64 = 64,

    /// <summary>Signed 8-bit integer (DT_INT8 = 256).</summary>
    Int8 = 256,

    /// <summary>Unsigned 16-bit integer (DT_UINT16 = 512).</summary>
    UInt16 = 512,

    /// <summary>Unsigned 32-bit integer (DT_UINT32 = 768).</summary>
    UInt32 = 768,
}
