using System.Globalization;

namespace ThighSeg.Core.Metrics;

/// <summary>
/// A per-subject, per-label segmentation metric computed from a <see cref="LabelComparison"/>. Implement it to add a
/// metric (Jaccard, precision, a different Hausdorff percentile) to <see cref="EvaluationOptions.AdditionalMetrics"/>.
/// </summary>
/// <remarks>
/// Implementations must be stateless and thread-safe, and must return <see cref="double.NaN"/> (never throw) when the
/// metric is undefined for the comparison (see the empty-mask policy in docs/metrics.md); NaN values are excluded from
/// means and counted separately by <see cref="MetricAggregation"/>.
/// </remarks>
public interface IMetric
{
    /// <summary>The column name used in tables and CSV files, lower-case with its unit as a suffix (e.g. <c>hd95_mm</c>).</summary>
    string Name { get; }

    /// <summary>True when <see cref="Compute"/> reads <see cref="LabelComparison.Surfaces"/>, so the evaluator must compute surface distances.</summary>
    bool RequiresSurfaceDistances { get; }

    /// <summary>The metric's value for one label of one subject, or NaN when it is undefined.</summary>
    double Compute(LabelComparison comparison);
}

/// <summary>
/// Dice similarity coefficient <c>2|R∩P| / (|R| + |P|)</c> in [0, 1]. Empty-mask policy: NaN when both masks are
/// empty (nothing to segment, nothing predicted: excluded from means); 0 when exactly one is empty.
/// </summary>
public sealed class DiceMetric : IMetric
{
    /// <summary>The one Dice formula of ThighSeg: <c>2·|P∩R| / (|P| + |R|)</c> from voxel counts, NaN when both masks
    /// are empty. Evaluation (<see cref="Compute"/>) and validation during fine-tuning both use it.</summary>
    public static double FromCounts(long overlap, long predicted, long reference)
    {
        long denominator = reference + predicted;
        return denominator == 0 ? double.NaN : 2.0 * overlap / denominator;
    }

    /// <summary>Mean Dice over the foreground classes (index 1 and up) present in the reference or the prediction, from
    /// per-class counts <c>[3, C]</c> (rows: overlap, predicted, reference); NaN when no class is present.</summary>
    public static double MeanForeground(long[,] counts)
    {
        ArgumentNullException.ThrowIfNull(counts);
        double sum = 0;
        int n = 0;
        for (int k = 1; k < counts.GetLength(1); k++)
        {
            double d = FromCounts(counts[0, k], counts[1, k], counts[2, k]);
            if (!double.IsNaN(d))
            {
                sum += d;
                n++;
            }
        }
        return n == 0 ? double.NaN : sum / n;
    }

    /// <inheritdoc />
    public string Name => "dice";

    /// <inheritdoc />
    public bool RequiresSurfaceDistances => false;

    /// <inheritdoc />
    public double Compute(LabelComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        return FromCounts(comparison.OverlapVoxels, comparison.PredictedVoxels, comparison.ReferenceVoxels);
    }
}

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

/// <summary>Which mask a <see cref="VolumeMetric"/> measures.</summary>
public enum MaskSource
{
    /// <summary>The reference (ground-truth) mask.</summary>
    Reference,

    /// <summary>The predicted mask.</summary>
    Prediction,
}

/// <summary>The volume of a label in millilitres (voxel count × voxel volume / 1000). Always defined: 0 for an empty mask.</summary>
public sealed class VolumeMetric : IMetric
{
    /// <summary>Creates the metric for one of the two masks (columns <c>volume_ml_ref</c> and <c>volume_ml_pred</c>).</summary>
    public VolumeMetric(MaskSource source)
    {
        if (!Enum.IsDefined(source))
        {
            throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown mask source.");
        }
        Source = source;
    }

    /// <summary>The mask measured.</summary>
    public MaskSource Source { get; }

    /// <inheritdoc />
    public string Name => Source == MaskSource.Reference ? "volume_ml_ref" : "volume_ml_pred";

    /// <inheritdoc />
    public bool RequiresSurfaceDistances => false;

    /// <inheritdoc />
    public double Compute(LabelComparison comparison)
    {
        ArgumentNullException.ThrowIfNull(comparison);
        return Source == MaskSource.Reference ? comparison.ReferenceVolumeMl : comparison.PredictedVolumeMl;
    }
}

/// <summary>The standard metrics, as shared stateless instances.</summary>
public static class SegmentationMetrics
{
    /// <summary>Dice similarity coefficient (<c>dice</c>).</summary>
    public static IMetric Dice { get; } = new DiceMetric();

    /// <summary>95th-percentile Hausdorff distance in mm (<c>hd95_mm</c>).</summary>
    public static IMetric Hd95 { get; } = new HausdorffDistanceMetric(95);

    /// <summary>Average symmetric surface distance in mm (<c>assd_mm</c>).</summary>
    public static IMetric Assd { get; } = new AverageSymmetricSurfaceDistanceMetric();

    /// <summary>Relative volume difference (<c>rvd</c>).</summary>
    public static IMetric Rvd { get; } = new RelativeVolumeDifferenceMetric();

    /// <summary>Reference volume in mL (<c>volume_ml_ref</c>).</summary>
    public static IMetric ReferenceVolumeMl { get; } = new VolumeMetric(MaskSource.Reference);

    /// <summary>Predicted volume in mL (<c>volume_ml_pred</c>).</summary>
    public static IMetric PredictedVolumeMl { get; } = new VolumeMetric(MaskSource.Prediction);

    /// <summary>The standard metrics in column order: dice, hd95_mm, assd_mm, rvd, volume_ml_ref, volume_ml_pred.</summary>
    public static IReadOnlyList<IMetric> Standard { get; } = [Dice, Hd95, Assd, Rvd, ReferenceVolumeMl, PredictedVolumeMl];
}
