using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Metrics;

/// <summary>Per-label volumes of a label map in millilitres (voxel count x voxel volume). Stateless and thread-safe.</summary>
public static class MuscleVolumes
{
    /// <summary>Volume of one voxel in mL: |det| of the affine's 3x3 part (mm³) / 1000.</summary>
    public static double VoxelVolumeMl(Affine a)
    {
        double det =
            (a[0, 0] * ((a[1, 1] * a[2, 2]) - (a[1, 2] * a[2, 1]))) -
            (a[0, 1] * ((a[1, 0] * a[2, 2]) - (a[1, 2] * a[2, 0]))) +
            (a[0, 2] * ((a[1, 0] * a[2, 1]) - (a[1, 1] * a[2, 0])));
        return Math.Abs(det) / 1000.0;
    }

    /// <summary>Volume in mL of each label value in <paramref name="values"/> (in that order).</summary>
    public static float[] VolumesMl(Volume<int> labels, IReadOnlyList<int> values)
    {
        double voxel = VoxelVolumeMl(labels.Affine);
        return VoxelCounts(labels, values).Select(c => (float)(c * voxel)).ToArray();
    }

    /// <summary>Number of voxels of each label value in <paramref name="values"/> (in that order).</summary>
    public static long[] VoxelCounts(Volume<int> labels, IReadOnlyList<int> values)
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(values);
        var index = new Dictionary<int, int>(values.Count);
        for (int i = 0; i < values.Count; i++)
        {
            index[values[i]] = i;
        }
        var counts = new long[values.Count];
        foreach (int v in labels.Data)
        {
            if (index.TryGetValue(v, out int i))
            {
                counts[i]++;
            }
        }
        return counts;
    }

    /// <summary>Area in mm² of one voxel's face in the plane of the first two voxel axes (|column 0 × column 1| of the
    /// affine): the in-slice area a voxel contributes to a cross-sectional area.</summary>
    public static double VoxelFaceAreaMm2(Affine a)
    {
        ArgumentNullException.ThrowIfNull(a);
        double cx = (a[1, 0] * a[2, 1]) - (a[2, 0] * a[1, 1]);
        double cy = (a[2, 0] * a[0, 1]) - (a[0, 0] * a[2, 1]);
        double cz = (a[0, 0] * a[1, 1]) - (a[1, 0] * a[0, 1]);
        return Math.Sqrt((cx * cx) + (cy * cy) + (cz * cz));
    }
}
