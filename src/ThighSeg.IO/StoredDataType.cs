namespace ThighSeg.IO;

/// <summary>The voxel type a file stores, as reported by <c>thighseg info</c> (e.g. <c>int16</c>, <c>float32</c>).</summary>
/// <param name="Name">Lower-case type name: uint8, int8, int16, uint16, int32, uint32, float32, float64.</param>
public readonly record struct StoredDataType(string Name)
{
    /// <inheritdoc />
    public override string ToString() => Name;
}
