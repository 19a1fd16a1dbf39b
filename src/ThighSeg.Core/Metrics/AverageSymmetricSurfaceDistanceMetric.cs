namespace ThighSeg.Core.Metrics;

/// <summary>
/// Average symmetric surface distance in mm (<see cref="SurfaceDistances.AverageSymmetricSurfaceDistance"/>).
/// Empty-mask policy: NaN when either mask is empty.
/// </summary>
public sealed class AverageSymmetricSurfaceDistanceMetric : IMetric
{
    /// <inheritdoc />
    public string Name => "assd_mm";

    /// <inheritdoc />
    public bool RequiresSurfaceDistances => true;

    /// <inheritdoc />
    public double Compute(LabelComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        return comparison.Surfaces?.AverageSymmetricSurfaceDistance() ?? double.NaN;
    }
}
