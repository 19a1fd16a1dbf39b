namespace ThighSeg.Core.Metrics;

/// <summary>
/// A reference and a predicted label map that do not share the same voxel grid (shape and voxel-to-world affine), so
/// they cannot be compared voxel by voxel. Resample the prediction onto the reference grid (or predict in the
/// reference's geometry) first.
/// </summary>
public class GeometryMismatchException : ThighSegException
{
    /// <summary>Creates the exception with no message.</summary>
    public GeometryMismatchException() { }

    /// <summary>Creates the exception with a message that says which geometries differ.</summary>
    public GeometryMismatchException(string message) : base(message) { }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public GeometryMismatchException(string message, Exception innerException) : base(message, innerException) { }
}
