using ThighSeg.Core.Data;
using ThighSeg.Core.Metrics;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Quantification;

/// <summary>
/// Per-case, per-muscle, per-side statistics of a label volume: volume, voxel count, cross-sectional area per axial slice
/// (a long table), maximum CSA and its level, CSA at a relative level, intensity statistics, a field-of-view flag and fat
/// fraction. One call: <see cref="Compute"/>. See docs/metrics.md.
/// </summary>
/// <remarks>
/// <para>Sides come from <see cref="SideLabels.Split"/> (anatomical, from the RAS+ geometry). Axial slices are those of the
/// canonical RAS+ grid (<see cref="Orientation.ToCanonical{T}"/>), counted from inferior, whatever the stored voxel order.
/// CSA of a slice = voxels × the in-plane voxel face area (<see cref="MuscleVolumes.VoxelFaceAreaMm2"/>); volume = voxels
/// × voxel volume (<see cref="MuscleVolumes"/>). The relative level of a slice is its position in the labelled extent of
/// its side (all muscles of that side): 0 at the most inferior labelled slice, 1 at the most superior.</para>
/// <para>Images (intensity and fat-fraction inputs) on another grid are resampled onto the label grid by world
/// coordinates (<see cref="WorldResampler"/>); voxels outside them are skipped. Stateless and thread-safe.</para>
/// </remarks>
public static class MuscleQuantifier
{
    /// <summary>Computes the statistics of one case.</summary>
    /// <param name="labels">Label volume (side-less or already side-specific), any storage orientation.</param>
    /// <param name="labelMap">Names of its values (null: generic names <c>label_v</c>).</param>
    /// <param name="image">Intensity image for mean/median/SD, or null.</param>
    /// <param name="fatFraction">Fat-fraction inputs, or null.</param>
    /// <param name="options">Options (null: defaults).</param>
    /// <exception cref="ArgumentException">A label value the side scheme cannot number, or a singular image affine.</exception>
    public static CaseStatistics Compute(Volume<int> labels, LabelMap? labelMap, Volume<float>? image = null, FatFractionSource? fatFraction = null,
        QuantificationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(labels);
        options ??= QuantificationOptions.Default;
        var sided = SideLabels.Split(labels, labelMap, options.SideScheme);
        var (canon, transform) = Orientation.ToCanonical(sided.Labels);
        var img = image is null ? null : transform.Apply(WorldResampler.OntoGrid(image, sided.Labels));
        var ff = fatFraction is null ? null : transform.Apply(fatFraction.OnGrid(sided.Labels));

        var entries = sided.Entries;
        var s = canon.Shape;
        var index = new Dictionary<int, int>();
        for (int e = 0; e < entries.Count; e++)
        {
            index[entries[e].Value] = e;
        }
        var counts = MuscleVolumes.VoxelCounts(sided.Labels, [.. entries.Select(e => e.Value)]);
        var perSlice = new long[entries.Count][];
        var intensities = new List<float>[entries.Count];
        for (int e = 0; e < entries.Count; e++)
        {
            perSlice[e] = new long[s.Z];
            intensities[e] = [];
        }
        for (int k = 0; k < s.Z; k++)
        {
            int offset = k * s.SliceSize;
            for (int n = offset; n < offset + s.SliceSize; n++)
            {
                if (canon.Data[n] != 0 && index.TryGetValue(canon.Data[n], out int e))
                {
                    perSlice[e][k]++;
                    if (img is not null && !float.IsNaN(img.Data[n]))
                    {
                        intensities[e].Add(img.Data[n]);
                    }
                }
            }
        }

        // Labelled extent per side.
        var extent = new Dictionary<AnatomicalSide, (int First, int Last)>();
        foreach (var side in new[] { AnatomicalSide.Right, AnatomicalSide.Left })
        {
            int first = int.MaxValue, last = -1;
            for (int e = 0; e < entries.Count; e++)
            {
                if (entries[e].Side != side)
                {
                    continue;
                }
                for (int k = 0; k < s.Z; k++)
                {
                    if (perSlice[e][k] > 0)
                    {
                        first = Math.Min(first, k);
                        last = Math.Max(last, k);
                    }
                }
            }
            extent[side] = last < 0 ? (-1, -1) : (first, last);
        }

        double voxelMl = MuscleVolumes.VoxelVolumeMl(canon.Affine);
        double face = MuscleVolumes.VoxelFaceAreaMm2(canon.Affine);
        double ZOf(int k) => canon.Affine.Apply((s.X - 1) / 2.0, (s.Y - 1) / 2.0, k).Z;
        double LevelOf(AnatomicalSide side, int k)
        {
            var (first, last) = extent[side];
            return first < 0 ? double.NaN : last == first ? 0 : (k - first) / (double)(last - first);
        }

        var rows = new List<MuscleStatisticsRow>(entries.Count);
        var csa = new List<CsaRow>();
        for (int e = 0; e < entries.Count; e++)
        {
            var entry = entries[e];
            var (first, last) = extent[entry.Side];
            int maxSlice = -1;
            long maxCount = 0;
            for (int k = 0; k < s.Z; k++)
            {
                if (perSlice[e][k] > maxCount)
                {
                    maxCount = perSlice[e][k];
                    maxSlice = k;
                }
            }
            double csaAtLevel = 0;
            if (first >= 0)
            {
                int kp = first + (int)Math.Round(options.RelativeLevel * (last - first), MidpointRounding.AwayFromZero);
                csaAtLevel = perSlice[e][kp] * face;
                for (int k = first; k <= last; k++)
                {
                    csa.Add(new CsaRow(options.CaseId, entry.Value, entry.Name, entry.Muscle, entry.Side, k, LevelOf(entry.Side, k), ZOf(k), perSlice[e][k], perSlice[e][k] * face));
                }
            }
            var (iMean, iMedian, iSd) = Describe(intensities[e]);
            var ffValues = ff is null || counts[e] == 0 ? [] : FatFractionValues(canon, ff, entry.Value, options.ErosionMm);
            var (fMean, fMedian, fSd) = Describe(ffValues);
            double volume = counts[e] * voxelMl;
            rows.Add(new MuscleStatisticsRow(options.CaseId, entry.Value, entry.Name, entry.Muscle, entry.Side, counts[e], volume,
                maxCount * face, maxSlice, maxSlice < 0 ? double.NaN : LevelOf(entry.Side, maxSlice), maxSlice < 0 ? double.NaN : ZOf(maxSlice),
                options.RelativeLevel, csaAtLevel, perSlice[e][0] > 0 || perSlice[e][s.Z - 1] > 0,
                iMean, iMedian, iSd, ffValues.Count, fMean, fMedian, fSd, ff is null ? double.NaN : volume * (1 - fMean)));
        }
        return new CaseStatistics(options.CaseId, rows, csa, sided, fatFraction?.Method, options);
    }

    /// <summary>Mean, median and sample SD of the values (NaN when empty; SD NaN below two values).</summary>
    internal static (double Mean, double Median, double Sd) Describe(List<float> values)
    {
        if (values.Count == 0)
        {
            return (double.NaN, double.NaN, double.NaN);
        }
        double sum = 0;
        foreach (float v in values)
        {
            sum += v;
        }
        double mean = sum / values.Count;
        double ss = 0;
        foreach (float v in values)
        {
            ss += (v - mean) * (v - mean);
        }
        var sorted = values.ToArray();
        Array.Sort(sorted);
        int m = sorted.Length / 2;
        double median = sorted.Length % 2 == 1 ? sorted[m] : (sorted[m - 1] + (double)sorted[m]) / 2;
        return (mean, median, values.Count > 1 ? Math.Sqrt(ss / (values.Count - 1)) : double.NaN);
    }

    /// <summary>The defined fat fractions inside label <paramref name="value"/>, eroded by <paramref name="erosionMm"/>: a voxel is kept
    /// when its distance to the nearest voxel of another value exceeds the erosion (the field-of-view border does not erode).</summary>
    private static List<float> FatFractionValues(Volume<int> labels, Volume<float> ff, int value, double erosionMm)
    {
        var s = labels.Shape;
        var result = new List<float>();
        if (erosionMm <= 0)
        {
            for (int n = 0; n < labels.Data.Length; n++)
            {
                if (labels.Data[n] == value && !float.IsNaN(ff.Data[n]))
                {
                    result.Add(ff.Data[n]);
                }
            }
            return result;
        }
        // Bounding box, padded by the erosion radius (clipped to the grid), for a local distance transform.
        int x0 = int.MaxValue, y0 = int.MaxValue, z0 = int.MaxValue, x1 = -1, y1 = -1, z1 = -1;
        for (int z = 0; z < s.Z; z++)
        {
            for (int y = 0; y < s.Y; y++)
            {
                for (int x = 0; x < s.X; x++)
                {
                    if (labels[x, y, z] == value)
                    {
                        x0 = Math.Min(x0, x); x1 = Math.Max(x1, x);
                        y0 = Math.Min(y0, y); y1 = Math.Max(y1, y);
                        z0 = Math.Min(z0, z); z1 = Math.Max(z1, z);
                    }
                }
            }
        }
        var sp = labels.Spacing;
        int px = (int)Math.Ceiling(erosionMm / sp.X) + 1, py = (int)Math.Ceiling(erosionMm / sp.Y) + 1, pz = (int)Math.Ceiling(erosionMm / sp.Z) + 1;
        x0 = Math.Max(0, x0 - px); y0 = Math.Max(0, y0 - py); z0 = Math.Max(0, z0 - pz);
        x1 = Math.Min(s.X - 1, x1 + px); y1 = Math.Min(s.Y - 1, y1 + py); z1 = Math.Min(s.Z - 1, z1 + pz);
        var box = new VolumeShape(x1 - x0 + 1, y1 - y0 + 1, z1 - z0 + 1);
        var outside = new byte[box.VoxelCount];
        for (int z = 0; z < box.Z; z++)
        {
            for (int y = 0; y < box.Y; y++)
            {
                for (int x = 0; x < box.X; x++)
                {
                    outside[box.Index(x, y, z)] = labels[x0 + x, y0 + y, z0 + z] == value ? (byte)0 : (byte)1;
                }
            }
        }
        var d2 = EuclideanDistanceTransform.SquaredDistanceToFeatures(outside, box, sp);
        double r2 = erosionMm * erosionMm;
        for (int z = 0; z < box.Z; z++)
        {
            for (int y = 0; y < box.Y; y++)
            {
                for (int x = 0; x < box.X; x++)
                {
                    int b = box.Index(x, y, z);
                    float f = ff[x0 + x, y0 + y, z0 + z];
                    if (outside[b] == 0 && d2[b] > r2 && !float.IsNaN(f))
                    {
                        result.Add(f);
                    }
                }
            }
        }
        return result;
    }
}
