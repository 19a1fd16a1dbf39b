using ThighSeg.Core.Metrics;

namespace ThighSeg.Core.Statistics;

/// <summary>Compares two methods evaluated on the same test subjects (one value per subject and method, never pooled voxels). Thread-safe.</summary>
public static class MethodComparison
{
    /// <summary>
    /// Pairs the rows of two methods by subject and runs <see cref="WilcoxonSignedRankTest"/> on one metric: for one
    /// label, or (label null) on each subject's mean over its labels with defined values, as in <see cref="MetricAggregation"/>.
    /// </summary>
    /// <param name="a">Rows of method A.</param>
    /// <param name="b">Rows of method B.</param>
    /// <param name="metric">Metric column name, e.g. <c>dice</c> or <c>hd95_mm</c>.</param>
    /// <param name="label">Label value, or null for the mean over labels.</param>
    /// <param name="options">Test conventions; defaults when null.</param>
    /// <exception cref="ArgumentException">The methods were evaluated on different subjects, the metric is unknown, or no pair is defined.</exception>
    public static PairedComparison Compare(IEnumerable<SubjectMetrics> a, IEnumerable<SubjectMetrics> b, string metric, int? label = null, WilcoxonOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentException.ThrowIfNullOrWhiteSpace(metric);
        var va = PerSubject(a, metric, label, nameof(a));
        var vb = PerSubject(b, metric, label, nameof(b));
        var onlyA = va.Keys.Except(vb.Keys).ToList();
        var onlyB = vb.Keys.Except(va.Keys).ToList();
        if (onlyA.Count > 0 || onlyB.Count > 0)
        {
            throw new ArgumentException(
                $"A paired test needs the same subjects for both methods; only in A: [{string.Join(", ", onlyA)}], only in B: [{string.Join(", ", onlyB)}].", nameof(b));
        }
        var subjects = va.Keys.OrderBy(s => s, StringComparer.Ordinal).ToArray();
        double[] xa = subjects.Select(s => va[s]).ToArray();
        double[] xb = subjects.Select(s => vb[s]).ToArray();
        var diffs = xa.Zip(xb, (p, q) => p - q).Where(d => !double.IsNaN(d)).ToArray();
        return new PairedComparison(metric, label, subjects, xa, xb, diffs.Length == 0 ? double.NaN : diffs.Average(), WilcoxonSignedRankTest.Test(xa, xb, options));
    }

    private static Dictionary<string, double> PerSubject(IEnumerable<SubjectMetrics> rows, string metric, int? label, string paramName)
    {
        var result = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var group in rows.Where(r => label is null || r.Label == label).GroupBy(r => r.Subject, StringComparer.Ordinal))
        {
            var values = group.Select(r =>
            {
                foreach (var v in r.Values())
                {
                    if (v.Name == metric)
                    {
                        return v.Value;
                    }
                }
                throw new ArgumentException($"Metric '{metric}' is not a column of the rows (subject '{r.Subject}', label {r.Label}).", nameof(metric));
            }).ToList();
            if (label is not null && values.Count > 1)
            {
                throw new ArgumentException($"Subject '{group.Key}' has {values.Count} rows for label {label}.", paramName);
            }
            var defined = values.Where(v => !double.IsNaN(v)).ToList();
            result[group.Key] = defined.Count == 0 ? double.NaN : defined.Average();
        }
        return result;
    }
}
