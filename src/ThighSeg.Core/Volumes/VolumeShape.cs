namespace ThighSeg.Core.Volumes;

/// <summary>The size of a 3D voxel grid.</summary>
/// <param name="X">Voxels along the first (fastest-varying) axis.</param>
/// <param name="Y">Voxels along the second axis.</param>
/// <param name="Z">Voxels along the third (slowest-varying, usually axial slice) axis.</param>
public readonly record struct VolumeShape(int X, int Y, int Z)
{
    /// <summary>Total number of voxels.</summary>
    public long VoxelCount => (long)X * Y * Z;

    /// <summary>Voxels in one z-slice (X·Y).</summary>
    public int SliceSize => X * Y;

    /// <summary>The linear index of voxel (x, y, z): <c>x + X·(y + Y·z)</c>.</summary>
    public int Index(int x, int y, int z) => x + (X * (y + (Y * z)));

    /// <summary>Throws <see cref="ArgumentException"/> unless every dimension is positive and the voxel count fits an array.</summary>
    public void Validate()
    {
        if (X <= 0 || Y <= 0 || Z <= 0)
        {
            throw new ArgumentException($"Volume dimensions must be positive, got {X}x{Y}x{Z}.");
        }
        if (VoxelCount > Array.MaxLength)
        {
            throw new ArgumentException($"Volume {X}x{Y}x{Z} has {VoxelCount} voxels, more than one array can hold.");
        }
    }

    /// <inheritdoc />
    public override string ToString() => $"{X}x{Y}x{Z}";
}
