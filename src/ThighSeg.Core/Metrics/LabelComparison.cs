namespace ThighSeg.Core.Metrics;

/// <summary>
/// Everything a <see cref="IMetric"/> needs about one label of one subject: voxel counts of the reference mask, the
/// predicted mask and their overlap, the voxel volume, and (when both masks are non-empty and a metric asked for them)
/// the surface distances. Produced by <see cref="SegmentationEvaluator"/>; immutable and thread-safe.
/// </summary>
public sealed class LabelComparison
{
    /// <summary>Creates a comparison from counts (for example to unit-test a custom <see cref="IMetric"/>).</summary>
    /// <param name="label">The label value.</param>
    /// <param name="referenceVoxels">Voxels with the label in the reference, ≥ 0.</param>
    /// <param name="predictedVoxels">Voxels with the label in the prediction, ≥ 0.</param>
    /// <param name="overlapVoxels">Voxels with the label in both, ≤ min(reference, predicted).</param>
    /// <param name="voxelVolumeMm3">Volume of one voxel in mm³, positive and finite.</param>
    /// <param name="surfaces">Surface distances, required to be null when either mask is empty.</param>
    /// <exception cref="ArgumentException">A count is negative or inconsistent, the voxel volume is not positive, or surfaces are given for an empty mask.</exception>
    public LabelComparison(int label, long referenceVoxels, long predictedVoxels, long overlapVoxels, double voxelVolumeMm3, SurfaceDistances? surfaces = null)
    {
        if (referenceVoxels < 0 || predictedVoxels < 0 || overlapVoxels < 0)
        {
            throw new ArgumentException($"Voxel counts must be non-negative, got reference {referenceVoxels}, predicted {predictedVoxels}, overlap {overlapVoxels}.");
        }
        if (overlapVoxels > Math.Min(referenceVoxels, predictedVoxels))
        {
            throw new ArgumentException($"Overlap ({overlapVoxels} voxels) cannot exceed the smaller mask (reference {referenceVoxels}, predicted {predictedVoxels}).", nameof(overlapVoxels));
        }
        if (!(double.IsFinite(voxelVolumeMm3) && voxelVolumeMm3 > 0))
        {
            throw new ArgumentException($"Voxel volume must be positive and finite, got {voxelVolumeMm3} mm³.", nameof(voxelVolumeMm3));
        }
        if (surfaces is not null && (referenceVoxels == 0 || predictedVoxels == 0))
        {
            throw new ArgumentException("Surface distances exist only when both masks are non-empty.", nameof(surfaces));
        }
        Label = label;
        ReferenceVoxels = referenceVoxels;
        PredictedVoxels = predictedVoxels;
        OverlapVoxels = overlapVoxels;
        VoxelVolumeMm3 = voxelVolumeMm3;
        Surfaces = surfaces;
    }

    /// <summary>The label value.</summary>
    public int Label { get; }

    /// <summary>Voxels with the label in the reference.</summary>
    public long ReferenceVoxels { get; }

    /// <summary>Voxels with the label in the prediction.</summary>
    public long PredictedVoxels { get; }

    /// <summary>Voxels with the label in both (true positives).</summary>
    public long OverlapVoxels { get; }

    /// <summary>Volume of one voxel in mm³ (product of the voxel spacings).</summary>
    public double VoxelVolumeMm3 { get; }

    /// <summary>Reference volume of the label in millilitres (1 mL = 1000 mm³).</summary>
    public double ReferenceVolumeMl => ReferenceVoxels * VoxelVolumeMm3 / 1000.0;

    /// <summary>Predicted volume of the label in millilitres (1 mL = 1000 mm³).</summary>
    public double PredictedVolumeMl => PredictedVoxels * VoxelVolumeMm3 / 1000.0;

    /// <summary>Which masks are non-empty.</summary>
    public LabelPresence Presence => (ReferenceVoxels > 0, PredictedVoxels > 0) switch
    {
        (true, true) => LabelPresence.Both,
        (true, false) => LabelPresence.ReferenceOnly,
        (false, true) => LabelPresence.PredictionOnly,
        _ => LabelPresence.Neither,
    };

    /// <summary>
    /// Surface distances between the two masks; null when either mask is empty, or when the evaluator ran only
    /// metrics that do not need them (<see cref="IMetric.RequiresSurfaceDistances"/>).
    /// </summary>
    public SurfaceDistances? Surfaces { get; }
}
