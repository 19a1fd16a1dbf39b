namespace ThighSeg.Core.Metrics;

/// <summary>Options of <see cref="SegmentationEvaluator"/>. Immutable; validated when each property is set.</summary>
public sealed record EvaluationOptions
{
    /// <summary>Defaults: every non-zero label found in either volume, standard metrics only, affine tolerance 1e-4, one thread.</summary>
    public static EvaluationOptions Default { get; } = new();

    /// <summary>
    /// The labels to evaluate, in report order; null (the default) means every non-zero label present in the reference
    /// or the prediction, ascending. A listed label absent from both volumes yields a row with
    /// <see cref="LabelPresence.Neither"/> (its Dice is NaN), so a fixed label list gives the same rows for every subject.
    /// </summary>
    /// <exception cref="ArgumentException">The list contains 0 (background) or a duplicate.</exception>
    public IReadOnlyList<int>? Labels
    {
        get;
        init
        {
            if (value is not null)
            {
                var seen = new HashSet<int>();
                foreach (int label in value)
                {
                    if (label == 0)
                    {
                        throw new ArgumentException("Labels must not contain 0, the background.", nameof(Labels));
                    }
                    if (!seen.Add(label))
                    {
                        throw new ArgumentException($"Labels lists {label} more than once.", nameof(Labels));
                    }
                }
                field = Array.AsReadOnly(value.ToArray());
            }
            else
            {
                field = null;
            }
        }
    }

    /// <summary>Label names (value to name) used in rows and tables; a label without a name is named by its value.</summary>
    public IReadOnlyDictionary<int, string>? LabelNames
    {
        get;
        init => field = value is null ? null : new System.Collections.ObjectModel.ReadOnlyDictionary<int, string>(new Dictionary<int, string>(value));
    }

    /// <summary>
    /// Metrics computed in addition to the standard ones (dice, hd95_mm, assd_mm, rvd, volume_ml_ref, volume_ml_pred),
    /// reported in <see cref="SubjectMetrics.Additional"/> in this order. Empty by default.
    /// </summary>
    /// <exception cref="ArgumentException">A metric is null, or two metrics (standard ones included) share a name.</exception>
    public IReadOnlyList<IMetric> AdditionalMetrics
    {
        get;
        init
        {
            ArgumentNullException.ThrowIfNull(value, nameof(AdditionalMetrics));
            var names = new HashSet<string>(SegmentationMetrics.Standard.Select(m => m.Name), StringComparer.Ordinal);
            foreach (var metric in value)
            {
                if (metric is null)
                {
                    throw new ArgumentException("AdditionalMetrics must not contain null.", nameof(AdditionalMetrics));
                }
                if (string.IsNullOrWhiteSpace(metric.Name) || !names.Add(metric.Name))
                {
                    throw new ArgumentException($"Metric name '{metric.Name}' is empty or already used; every metric needs a unique column name.", nameof(AdditionalMetrics));
                }
            }
            field = Array.AsReadOnly(value.ToArray());
        }
    } = [];

    /// <summary>Largest difference allowed between the two volumes' affine elements (mm); positive and finite. Default 1e-4.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Not positive and finite.</exception>
    public double GeometryTolerance
    {
        get;
        init
        {
            if (!(double.IsFinite(value) && value > 0))
            {
                throw new ArgumentOutOfRangeException(nameof(GeometryTolerance), value, "GeometryTolerance must be positive and finite.");
            }
            field = value;
        }
    } = 1e-4;

    /// <summary>Labels whose surface distances are computed concurrently; at least 1 (the default). Results do not depend on it.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Less than 1.</exception>
    public int MaxDegreeOfParallelism
    {
        get;
        init
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(MaxDegreeOfParallelism), value, "MaxDegreeOfParallelism must be at least 1.");
            }
            field = value;
        }
    } = 1;

    /// <summary>The name of <paramref name="label"/>: its entry in <see cref="LabelNames"/>, else its value as text.</summary>
    public string NameOf(int label) =>
        LabelNames is not null && LabelNames.TryGetValue(label, out var name) ? name : label.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
