namespace ThighSeg.Core.Metrics;

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
