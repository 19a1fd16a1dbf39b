using System.Numerics;

namespace ThighSeg.Core.Volumes;

/// <summary>
/// A 3D voxel grid with its geometry: the voxel values in x-fastest order (index <c>x + X·(y + Y·z)</c>, the NIfTI
/// on-disk order) and the voxel-to-world <see cref="Affine"/> (RAS+, mm).
/// </summary>
/// <typeparam name="T">The voxel type: <see cref="float"/> for images, <see cref="int"/> for label maps.</typeparam>
/// <remarks>The shape and affine are immutable; voxel values live in a mutable array owned by the volume. Not thread-safe for writes.</remarks>
public sealed class Volume<T> where T : unmanaged, INumber<T>
{
    /// <summary>Creates a volume over an existing array (not copied).</summary>
    /// <exception cref="ArgumentException">The array length does not match the shape.</exception>
    public Volume(VolumeShape shape, Affine affine, T[] data)
    {
        shape.Validate();
        ArgumentNullException.ThrowIfNull(affine);
        ArgumentNullException.ThrowIfNull(data);
        if (data.LongLength != shape.VoxelCount)
        {
            throw new ArgumentException($"Voxel array has {data.LongLength} elements but shape {shape} needs {shape.VoxelCount}.", nameof(data));
        }
        Shape = shape;
        Affine = affine;
        Data = data;
    }

    /// <summary>Creates a zero-filled volume.</summary>
    public Volume(VolumeShape shape, Affine affine)
        : this(shape, affine, new T[ValidatedCount(shape)])
    {
    }

    /// <summary>Grid size.</summary>
    public VolumeShape Shape { get; }

    /// <summary>Voxel-to-world affine (RAS+, mm).</summary>
    public Affine Affine { get; }

    /// <summary>Voxel spacing in mm along x, y and z.</summary>
    public (double X, double Y, double Z) Spacing => Affine.Spacing;

    /// <summary>Voxel values, x fastest.</summary>
    public T[] Data { get; }

    /// <summary>Gets or sets voxel (x, y, z).</summary>
    public T this[int x, int y, int z]
    {
        get => Data[Shape.Index(x, y, z)];
        set => Data[Shape.Index(x, y, z)] = value;
    }

    /// <summary>The voxels of axial slice <paramref name="z"/> (a view, no copy), x fastest.</summary>
    public Span<T> Slice(int z)
    {
        if ((uint)z >= (uint)Shape.Z)
        {
            throw new ArgumentOutOfRangeException(nameof(z), z, $"Slice index must be in [0, {Shape.Z}).");
        }
        return Data.AsSpan(z * Shape.SliceSize, Shape.SliceSize);
    }

    /// <summary>A deep copy.</summary>
    public Volume<T> Clone() => new(Shape, Affine, (T[])Data.Clone());

    /// <summary>A volume with the same geometry and new voxel values of another type.</summary>
    public Volume<TOut> WithData<TOut>(TOut[] data) where TOut : unmanaged, INumber<TOut> => new(Shape, Affine, data);

    /// <summary>True when shape and affine match <paramref name="other"/>'s (affine to <paramref name="tolerance"/>).</summary>
    public bool SameGeometry<TOther>(Volume<TOther> other, double tolerance = 1e-4) where TOther : unmanaged, INumber<TOther>
    {
        ArgumentNullException.ThrowIfNull(other);
        return Shape == other.Shape && Affine.ApproximatelyEquals(other.Affine, tolerance);
    }

    private static int ValidatedCount(VolumeShape shape)
    {
        shape.Validate();
        return checked((int)shape.VoxelCount);
    }
}
