using System.Globalization;

namespace ThighSeg.Core.Metrics;

/// <summary>
/// Percentile Hausdorff distance in mm (<see cref="SurfaceDistances.HausdorffDistance"/>): the larger of the two
/// directed percentiles of surface-to-surface distances. Empty-mask policy: NaN when either mask is empty.
/// </summary>
public sealed class HausdorffDistanceMetric : IMetric
{
    /// <summary>Creates the metric for a percentile: 95 for HD95 (column <c>hd95_mm</c>), 100 for the classical Hausdorff distance (<c>hd_mm</c>).</summary>
    /// <param name="percentile">In (0, 100].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is outside (0, 100] or NaN.</exception>
    public HausdorffDistanceMetric(double percentile = 95)
    {
        if (!(percentile > 0 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "The Hausdorff percentile must be in (0, 100].");
        }
        Percentile = percentile;
        Name = percentile == 100 ? "hd_mm" : $"hd{percentile.ToString(CultureInfo.InvariantCulture)}_mm";
    }

    /// <summary>The percentile, in (0, 100].</summary>
    public double Percentile { get; }

    /// <inheritdoc />
    public string Name { get; }

    /// <inheritdoc />
    public bool RequiresSurfaceDistances => true;

    /// <inheritdoc />
    public double Compute(LabelComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        return comparison.Surfaces?.HausdorffDistance(Percentile) ?? double.NaN;
    }
}
