using System.Globalization;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Metrics;

/// <summary>
/// Compares a predicted label map with a reference label map, per label: voxel counts, overlap and surface distances,
/// from which the metrics (<see cref="IMetric"/>) are computed.
/// </summary>
/// <remarks>
/// <para>Algorithm: one pass over the two volumes collects, per label, the reference, predicted and overlapping voxel
/// counts and the bounding box of the union of both masks. Then, for each label present in both, the two masks are
/// cropped to that box padded by one background voxel, their surfaces extracted (mask voxels with a 6-neighbour outside
/// the mask; the image border counts as outside), and an exact anisotropic Euclidean distance transform
/// (<see cref="EuclideanDistanceTransform"/>) of each surface gives the distance from every surface voxel of the other
/// mask, in mm between voxel centres. Cost: O(N) for the pass plus O(box size) per label.</para>
/// <para>Voxel spacing and voxel volume come from the reference's affine (<see cref="Volume{T}.Spacing"/>); voxel axes
/// are assumed orthogonal. Thread-safe: an instance holds only its immutable options.</para>
/// </remarks>
public sealed class SegmentationEvaluator
{
    /// <summary>An evaluator with <see cref="EvaluationOptions.Default"/>.</summary>
    public SegmentationEvaluator() : this(EvaluationOptions.Default)
    {
    }

    /// <summary>An evaluator with the given options.</summary>
    public SegmentationEvaluator(EvaluationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
    }

    /// <summary>The options.</summary>
    public EvaluationOptions Options { get; }

    /// <summary>
    /// All metrics of one subject: one row per label (<see cref="EvaluationOptions.Labels"/>, or every non-zero label of
    /// either volume ascending), with the standard metrics and <see cref="EvaluationOptions.AdditionalMetrics"/>.
    /// </summary>
    /// <param name="subject">Subject identifier written into each row.</param>
    /// <param name="reference">Reference (ground-truth) label map; 0 is background.</param>
    /// <param name="prediction">Predicted label map on the same grid.</param>
    /// <exception cref="GeometryMismatchException">The volumes differ in shape or affine.</exception>
    /// <exception cref="ArgumentException">The voxel spacing is not positive and finite.</exception>
    public IReadOnlyList<SubjectMetrics> Evaluate(string subject, Volume<int> reference, Volume<int> prediction)
    {
        ArgumentNullException.ThrowIfNull(subject);
        var comparisons = Compare(reference, prediction, computeSurfaceDistances: true);
        var rows = new SubjectMetrics[comparisons.Count];
        for (int i = 0; i < rows.Length; i++)
        {
            var c = comparisons[i];
            rows[i] = new SubjectMetrics(
                subject,
                c.Label,
                Options.NameOf(c.Label),
                c.Presence,
                SegmentationMetrics.Dice.Compute(c),
                SegmentationMetrics.Hd95.Compute(c),
                SegmentationMetrics.Assd.Compute(c),
                SegmentationMetrics.Rvd.Compute(c),
                SegmentationMetrics.ReferenceVolumeMl.Compute(c),
                SegmentationMetrics.PredictedVolumeMl.Compute(c))
            {
                Additional = Options.AdditionalMetrics.Select(m => new MetricValue(m.Name, m.Compute(c))).ToArray(),
            };
        }
        return rows;
    }

    /// <summary>
    /// The per-label comparisons (counts, volumes and, when requested, surface distances) from which any
    /// <see cref="IMetric"/> can be computed.
    /// </summary>
    /// <param name="reference">Reference label map; 0 is background.</param>
    /// <param name="prediction">Predicted label map on the same grid.</param>
    /// <param name="computeSurfaceDistances">False skips the distance transforms (Dice, RVD and volumes only).</param>
    /// <exception cref="GeometryMismatchException">The volumes differ in shape or affine.</exception>
    /// <exception cref="ArgumentException">The voxel spacing is not positive and finite.</exception>
    public IReadOnlyList<LabelComparison> Compare(Volume<int> reference, Volume<int> prediction, bool computeSurfaceDistances = true)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(prediction);
        if (!reference.SameGeometry(prediction, Options.GeometryTolerance))
        {
            throw new GeometryMismatchException(DescribeMismatch(reference, prediction));
        }
        var spacing = reference.Spacing;
        EuclideanDistanceTransform.ValidateSpacing(spacing);
        double voxelVolume = spacing.X * spacing.Y * spacing.Z;

        var stats = CollectLabelStatistics(reference, prediction, Options.Labels);
        var result = new LabelComparison[stats.Count];
        void Build(int i)
        {
            var s = stats[i];
            SurfaceDistances? surfaces = computeSurfaceDistances && s.ReferenceVoxels > 0 && s.PredictedVoxels > 0
                ? ComputeSurfaceDistances(reference, prediction, s, spacing)
                : null;
            result[i] = new LabelComparison(s.Label, s.ReferenceVoxels, s.PredictedVoxels, s.OverlapVoxels, voxelVolume, surfaces);
        }
        if (Options.MaxDegreeOfParallelism == 1 || result.Length < 2)
        {
            for (int i = 0; i < result.Length; i++)
            {
                Build(i);
            }
        }
        else
        {
            Parallel.For(0, result.Length, new ParallelOptions { MaxDegreeOfParallelism = Options.MaxDegreeOfParallelism }, Build);
        }
        return result;
    }

    /// <summary>Per-label counts and bounding box of the union of both masks, collected in one pass over both volumes.</summary>
    internal sealed class LabelStatistics(int label)
    {
        public int Label { get; } = label;
        public long ReferenceVoxels;
        public long PredictedVoxels;
        public long OverlapVoxels;
        public int MinX = int.MaxValue, MinY = int.MaxValue, MinZ = int.MaxValue;
        public int MaxX = -1, MaxY = -1, MaxZ = -1;

        public void Include(int x, int y, int z)
        {
            if (x < MinX) { MinX = x; }
            if (x > MaxX) { MaxX = x; }
            if (y < MinY) { MinY = y; }
            if (y > MaxY) { MaxY = y; }
            if (z < MinZ) { MinZ = z; }
            if (z > MaxZ) { MaxZ = z; }
        }
    }

    internal static List<LabelStatistics> CollectLabelStatistics(Volume<int> reference, Volume<int> prediction, IReadOnlyList<int>? labels)
    {
        var bySlot = new Dictionary<int, LabelStatistics>();
        bool discover = labels is null;
        if (labels is not null)
        {
            foreach (int label in labels)
            {
                bySlot[label] = new LabelStatistics(label);
            }
        }

        LabelStatistics? Lookup(int label)
        {
            if (bySlot.TryGetValue(label, out var s))
            {
                return s;
            }
            if (!discover)
            {
                return null;
            }
            s = new LabelStatistics(label);
            bySlot[label] = s;
            return s;
        }

        var shape = reference.Shape;
        int[] r = reference.Data;
        int[] p = prediction.Data;
        int lastRef = 0, lastPred = 0;
        LabelStatistics? refStats = null, predStats = null;
        int i = 0;
        for (int z = 0; z < shape.Z; z++)
        {
            for (int y = 0; y < shape.Y; y++)
            {
                for (int x = 0; x < shape.X; x++, i++)
                {
                    int rv = r[i];
                    int pv = p[i];
                    if (rv != 0)
                    {
                        if (rv != lastRef)
                        {
                            lastRef = rv;
                            refStats = Lookup(rv);
                        }
                        if (refStats is not null)
                        {
                            refStats.ReferenceVoxels++;
                            refStats.Include(x, y, z);
                            if (pv == rv)
                            {
                                refStats.OverlapVoxels++;
                            }
                        }
                    }
                    if (pv != 0)
                    {
                        if (pv != lastPred)
                        {
                            lastPred = pv;
                            predStats = Lookup(pv);
                        }
                        if (predStats is not null)
                        {
                            predStats.PredictedVoxels++;
                            if (pv != rv)
                            {
                                predStats.Include(x, y, z);
                            }
                        }
                    }
                }
            }
        }

        if (labels is not null)
        {
            return labels.Select(l => bySlot[l]).ToList();
        }
        return bySlot.Values.OrderBy(s => s.Label).ToList();
    }

    /// <summary>Surface distances of one label present in both volumes, within its padded bounding box.</summary>
    internal static SurfaceDistances ComputeSurfaceDistances(Volume<int> reference, Volume<int> prediction, LabelStatistics s, (double X, double Y, double Z) spacing)
    {
        int label = s.Label;
        // Box = union bounding box plus one background voxel on every side, so every mask voxel has 6 neighbours in the
        // box and out-of-image neighbours read as background.
        int nx = s.MaxX - s.MinX + 3, ny = s.MaxY - s.MinY + 3, nz = s.MaxZ - s.MinZ + 3;
        int count = checked(nx * ny * nz);
        var refMask = new byte[count];
        var predMask = new byte[count];
        var shape = reference.Shape;
        int[] r = reference.Data;
        int[] p = prediction.Data;
        for (int z = s.MinZ; z <= s.MaxZ; z++)
        {
            for (int y = s.MinY; y <= s.MaxY; y++)
            {
                int src = shape.Index(s.MinX, y, z);
                int dst = 1 + (nx * ((y - s.MinY + 1) + (ny * (z - s.MinZ + 1))));
                for (int x = s.MinX; x <= s.MaxX; x++, src++, dst++)
                {
                    if (r[src] == label)
                    {
                        refMask[dst] = 1;
                    }
                    if (p[src] == label)
                    {
                        predMask[dst] = 1;
                    }
                }
            }
        }

        var refSurface = ExtractSurface(refMask, nx, ny, nz, out var refSurfaceIndices);
        var predSurface = ExtractSurface(predMask, nx, ny, nz, out var predSurfaceIndices);

        var grid = new double[count];
        var refToPred = DistancesAt(predSurface, refSurfaceIndices, grid, nx, ny, nz, spacing);
        var predToRef = DistancesAt(refSurface, predSurfaceIndices, grid, nx, ny, nz, spacing);
        return SurfaceDistances.TakeOwnership(refToPred, predToRef);
    }

    /// <summary>Marks (and lists) mask voxels with at least one 6-neighbour outside the mask. The mask's outer layer must be 0.</summary>
    internal static byte[] ExtractSurface(byte[] mask, int nx, int ny, int nz, out List<int> indices)
    {
        var surface = new byte[mask.Length];
        indices = [];
        int plane = nx * ny;
        for (int z = 1; z < nz - 1; z++)
        {
            for (int y = 1; y < ny - 1; y++)
            {
                int i = 1 + (nx * (y + (ny * z)));
                for (int x = 1; x < nx - 1; x++, i++)
                {
                    if (mask[i] != 0 &&
                        (mask[i - 1] == 0 || mask[i + 1] == 0 || mask[i - nx] == 0 || mask[i + nx] == 0 || mask[i - plane] == 0 || mask[i + plane] == 0))
                    {
                        surface[i] = 1;
                        indices.Add(i);
                    }
                }
            }
        }
        return surface;
    }

    private static double[] DistancesAt(byte[] features, List<int> at, double[] grid, int nx, int ny, int nz, (double X, double Y, double Z) spacing)
    {
        for (int i = 0; i < grid.Length; i++)
        {
            grid[i] = features[i] != 0 ? 0.0 : double.PositiveInfinity;
        }
        EuclideanDistanceTransform.TransformInPlace(grid, nx, ny, nz, spacing.X, spacing.Y, spacing.Z);
        var distances = new double[at.Count];
        for (int k = 0; k < distances.Length; k++)
        {
            distances[k] = Math.Sqrt(grid[at[k]]);
        }
        return distances;
    }

    private static string DescribeMismatch(Volume<int> reference, Volume<int> prediction)
    {
        if (reference.Shape != prediction.Shape)
        {
            return $"Reference and prediction have different shapes ({reference.Shape} vs {prediction.Shape}); they must share one voxel grid.";
        }
        var (rx, ry, rz) = reference.Spacing;
        var (px, py, pz) = prediction.Spacing;
        var ro = reference.Affine.Apply(0, 0, 0);
        var po = prediction.Affine.Apply(0, 0, 0);
        return string.Create(CultureInfo.InvariantCulture,
            $"Reference and prediction have different affines (spacing {rx:G6}x{ry:G6}x{rz:G6} mm vs {px:G6}x{py:G6}x{pz:G6} mm, origin ({ro.X:G6}, {ro.Y:G6}, {ro.Z:G6}) vs ({po.X:G6}, {po.Y:G6}, {po.Z:G6}) mm); they must share one voxel grid.");
    }
}
