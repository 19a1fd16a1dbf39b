namespace ThighSeg.Core.Metrics;

/// <summary>
/// The directed surface distances between the reference and predicted masks of one label, in millimetres.
/// </summary>
/// <remarks>
/// <para>The surface of a mask is the set of its voxels that have at least one of their 6 face neighbours outside the
/// mask; voxels beyond the edge of the image count as outside, so mask voxels on the image border are surface voxels.
/// A one-voxel-thick mask is all surface.</para>
/// <para><see cref="ReferenceToPrediction"/> holds, for every reference surface voxel, the Euclidean distance (mm)
/// between its centre and the centre of the nearest predicted surface voxel, using the volume's voxel spacing;
/// <see cref="PredictionToReference"/> the same the other way round. Both are sorted ascending and non-empty.</para>
/// <para>Immutable and thread-safe.</para>
/// </remarks>
public sealed class SurfaceDistances
{
    private readonly double[] _refToPred;
    private readonly double[] _predToRef;

    /// <summary>Creates the distances from two non-empty arrays (copied and sorted ascending).</summary>
    /// <param name="referenceToPrediction">Distance (mm) from each reference surface voxel to the predicted surface.</param>
    /// <param name="predictionToReference">Distance (mm) from each predicted surface voxel to the reference surface.</param>
    /// <exception cref="ArgumentException">An array is empty or holds a negative or non-finite distance.</exception>
    public SurfaceDistances(ReadOnlySpan<double> referenceToPrediction, ReadOnlySpan<double> predictionToReference)
        : this(Checked(referenceToPrediction, nameof(referenceToPrediction)), Checked(predictionToReference, nameof(predictionToReference)), sorted: false)
    {
    }

    private SurfaceDistances(double[] refToPred, double[] predToRef, bool sorted)
    {
        if (!sorted)
        {
            Array.Sort(refToPred);
            Array.Sort(predToRef);
        }
        _refToPred = refToPred;
        _predToRef = predToRef;
    }

    /// <summary>Wraps arrays the caller hands over (not copied); sorts them in place.</summary>
    internal static SurfaceDistances TakeOwnership(double[] refToPred, double[] predToRef) => new(refToPred, predToRef, sorted: false);

    /// <summary>Distance (mm) from each reference surface voxel to the nearest predicted surface voxel, ascending.</summary>
    public ReadOnlySpan<double> ReferenceToPrediction => _refToPred;

    /// <summary>Distance (mm) from each predicted surface voxel to the nearest reference surface voxel, ascending.</summary>
    public ReadOnlySpan<double> PredictionToReference => _predToRef;

    /// <summary>
    /// The symmetric percentile Hausdorff distance (mm): the larger of the two directed <paramref name="percentile"/>-th
    /// percentiles (linear interpolation between order statistics, as NumPy's default). 100 gives the classical Hausdorff
    /// distance, 95 the HD95 (the MONAI convention).
    /// </summary>
    /// <param name="percentile">In [0, 100].</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is outside [0, 100] or NaN.</exception>
    public double HausdorffDistance(double percentile = 95) =>
        Math.Max(Percentile(_refToPred, percentile), Percentile(_predToRef, percentile));

    /// <summary>
    /// The average symmetric surface distance (mm): the mean over the surface voxels of both masks of the distance to the
    /// other mask's surface, <c>(Σ d(a, S_pred) + Σ d(b, S_ref)) / (|S_ref| + |S_pred|)</c>.
    /// </summary>
    public double AverageSymmetricSurfaceDistance()
    {
        double sum = 0;
        foreach (double d in _refToPred)
        {
            sum += d;
        }
        foreach (double d in _predToRef)
        {
            sum += d;
        }
        return sum / (_refToPred.Length + _predToRef.Length);
    }

    /// <summary>
    /// The <paramref name="percentile"/>-th percentile of ascending <paramref name="sorted"/> values with linear
    /// interpolation: position <c>p/100·(n − 1)</c> between the order statistics (NumPy's default "linear" method).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="sorted"/> is empty.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="percentile"/> is outside [0, 100] or NaN.</exception>
    public static double Percentile(ReadOnlySpan<double> sorted, double percentile)
    {
        if (!(percentile >= 0 && percentile <= 100))
        {
            throw new ArgumentOutOfRangeException(nameof(percentile), percentile, "Percentile must be in [0, 100].");
        }
        if (sorted.IsEmpty)
        {
            throw new ArgumentException("Cannot take a percentile of no values.", nameof(sorted));
        }
        double position = percentile / 100.0 * (sorted.Length - 1);
        int lo = (int)Math.Floor(position);
        int hi = Math.Min(lo + 1, sorted.Length - 1);
        double frac = position - lo;
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * frac);
    }

    private static double[] Checked(ReadOnlySpan<double> values, string name)
    {
        if (values.IsEmpty)
        {
            throw new ArgumentException("Surface distances need at least one surface voxel on each side.", name);
        }
        foreach (double v in values)
        {
            if (!(double.IsFinite(v) && v >= 0))
            {
                throw new ArgumentException($"Surface distances must be finite and non-negative, got {v}.", name);
            }
        }
        return values.ToArray();
    }
}
