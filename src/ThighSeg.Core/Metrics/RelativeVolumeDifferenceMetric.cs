namespace ThighSeg.Core.Metrics;

/// <summary>
/// Relative volume difference <c>(|P| − |R|) / |R|</c> (signed: positive means over-segmentation; −1 means nothing was
/// predicted). Empty-mask policy: NaN when the reference is empty (undefined), whatever the prediction.
/// </summary>
public sealed class RelativeVolumeDifferenceMetric : IMetric
{
    /// <inheritdoc />
    public string Name => "rvd";

    /// <inheritdoc />
    public bool RequiresSurfaceDistances => false;

    /// <inheritdoc />
    public double Compute(LabelComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        return comparison.ReferenceVoxels == 0
            ? double.NaN
            : (double)(comparison.PredictedVoxels - comparison.ReferenceVoxels) / comparison.ReferenceVoxels;
    }
}
