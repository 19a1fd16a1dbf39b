namespace ThighSeg.Core.Metrics;

/// <summary>
/// Aggregation of per-subject rows into mean ± SD over subjects (never over pooled voxels).
/// </summary>
/// <remarks>
/// <para>Per label: for each metric, the statistic over the subjects that have a row for the label; NaN values are
/// excluded from the mean and SD and counted (<see cref="MetricStatistic.Excluded"/>).</para>
/// <para>Overall (<see cref="MetricSummary.Label"/> null, name <c>all</c>): first one value per subject, the mean over
/// that subject's labels of the defined values (NaN when none is defined) for every metric except the volumes, which
/// are summed over labels (total volume in mL); then the statistic of those per-subject values over subjects.</para>
/// </remarks>
public static class MetricAggregation
{
    /// <summary>The name of the overall line.</summary>
    public const string OverallName = "all";

    /// <summary>
    /// Summary lines: for each label (in order of first appearance) each metric in column order, then the overall lines.
    /// </summary>
    /// <exception cref="ArgumentException">A subject has two rows for one label, or rows disagree on the additional metrics.</exception>
    public static IReadOnlyList<MetricSummary> Summarize(IEnumerable<SubjectMetrics> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        if (list.Count == 0)
        {
            return [];
        }
        string[] names = list[0].Values().Select(v => v.Name).ToArray();
        var seen = new HashSet<(string, int)>();
        foreach (var row in list)
        {
            if (!seen.Add((row.Subject, row.Label)))
            {
                throw new ArgumentException($"Subject '{row.Subject}' has more than one row for label {row.Label}.", nameof(rows));
            }
            if (!row.Values().Select(v => v.Name).SequenceEqual(names))
            {
                throw new ArgumentException($"Row of subject '{row.Subject}', label {row.Label} has different metric columns from the first row.", nameof(rows));
            }
        }

        var summary = new List<MetricSummary>();
        foreach (var group in list.GroupBy(r => r.Label))
        {
            var values = group.Select(r => r.Values().Select(v => v.Value).ToArray()).ToList();
            string labelName = group.First().LabelName;
            for (int m = 0; m < names.Length; m++)
            {
                summary.Add(new MetricSummary(group.Key, labelName, names[m], MetricStatistic.Of(values.Select(v => v[m]))));
            }
        }

        var perSubject = list.GroupBy(r => r.Subject, StringComparer.Ordinal)
            .Select(g => g.Select(r => r.Values().Select(v => v.Value).ToArray()).ToList())
            .ToList();
        for (int m = 0; m < names.Length; m++)
        {
            bool sum = names[m] is "volume_ml_ref" or "volume_ml_pred";
            int metric = m;
            var subjectValues = perSubject.Select(labelRows => sum ? SumOverLabels(labelRows, metric) : MeanOverLabels(labelRows, metric));
            summary.Add(new MetricSummary(null, OverallName, names[m], MetricStatistic.Of(subjectValues)));
        }
        return summary;
    }

    private static double MeanOverLabels(List<double[]> labelRows, int metric)
    {
        double total = 0;
        int n = 0;
        foreach (var row in labelRows)
        {
            if (!double.IsNaN(row[metric]))
            {
                total += row[metric];
                n++;
            }
        }
        return n == 0 ? double.NaN : total / n;
    }

    private static double SumOverLabels(List<double[]> labelRows, int metric)
    {
        double total = 0;
        foreach (var row in labelRows)
        {
            total += row[metric];
        }
        return total;
    }
}
