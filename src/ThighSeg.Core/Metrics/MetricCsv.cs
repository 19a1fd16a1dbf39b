using System.Globalization;
using System.Text;
using ThighSeg.Core.Tables;

namespace ThighSeg.Core.Metrics;

/// <summary>
/// CSV files and text tables of metrics: RFC 4180 quoting, invariant culture (dot decimal separator, shortest
/// round-trip numbers, <c>NaN</c> for undefined values), UTF-8 without BOM, <c>\n</c> line ends. Files are written
/// atomically: to a temporary file in the target folder, then renamed over the target, so an existing file is never
/// left half-written.
/// </summary>
public static class MetricCsv
{
    /// <summary>The fixed leading columns of a rows file, before the metric columns.</summary>
    public static IReadOnlyList<string> RowKeyColumns { get; } = ["subject", "label", "label_name", "presence"];

    /// <summary>The columns of a summary file.</summary>
    public static IReadOnlyList<string> SummaryColumns { get; } = ["label", "label_name", "metric", "n_subjects", "n_valid", "n_excluded", "mean", "sd"];

    /// <summary>
    /// The rows as CSV text: <c>subject,label,label_name,presence,dice,hd95_mm,assd_mm,rvd,volume_ml_ref,volume_ml_pred</c>
    /// and any additional metric columns (taken from the first row). Presence is <c>both</c>, <c>reference_only</c>,
    /// <c>prediction_only</c> or <c>neither</c>.
    /// </summary>
    public static string FormatRows(IEnumerable<SubjectMetrics> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var list = rows.ToList();
        var sb = new StringBuilder();
        IEnumerable<string> metricNames = list.Count > 0
            ? list[0].Values().Select(v => v.Name)
            : new SubjectMetrics("", 0, "", LabelPresence.Neither, 0, 0, 0, 0, 0, 0).Values().Select(v => v.Name);
        AppendLine(sb, RowKeyColumns.Concat(metricNames));
        foreach (var row in list)
        {
            AppendLine(sb, new[] { row.Subject, Number(row.Label), row.LabelName, PresenceName(row.Presence) }
                .Concat(row.Values().Select(v => Number(v.Value))));
        }
        return sb.ToString();
    }

    /// <summary>The summary as CSV text, one line per label and metric (long format, columns <see cref="SummaryColumns"/>); the overall lines have label <c>all</c>.</summary>
    public static string FormatSummary(IEnumerable<MetricSummary> summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var sb = new StringBuilder();
        AppendLine(sb, SummaryColumns);
        foreach (var s in summary)
        {
            AppendLine(sb, [
                s.Label is int l ? Number(l) : MetricAggregation.OverallName,
                s.LabelName,
                s.Metric,
                Number(s.Statistic.Subjects),
                Number(s.Statistic.Valid),
                Number(s.Statistic.Excluded),
                Number(s.Statistic.Mean),
                Number(s.Statistic.StandardDeviation),
            ]);
        }
        return sb.ToString();
    }

    /// <summary>Writes <see cref="FormatRows"/> to <paramref name="path"/> atomically (creating its folder).</summary>
    /// <exception cref="IOException">The file cannot be written; an existing file is left untouched.</exception>
    public static void WriteRows(string path, IEnumerable<SubjectMetrics> rows) => AtomicFile.WriteAllText(path, FormatRows(rows));

    /// <summary>Writes <see cref="FormatSummary"/> to <paramref name="path"/> atomically (creating its folder).</summary>
    /// <exception cref="IOException">The file cannot be written; an existing file is left untouched.</exception>
    public static void WriteSummary(string path, IEnumerable<MetricSummary> summary) => AtomicFile.WriteAllText(path, FormatSummary(summary));

    /// <summary>
    /// A fixed-width text table of a summary for terminals: one line per label (overall last), columns
    /// <c>n</c> and <c>mean ± sd</c> of each metric; a value whose subjects were partly excluded shows the valid count in
    /// brackets, e.g. <c>0.912 ± 0.031 [4/5]</c>.
    /// </summary>
    public static string FormatTable(IEnumerable<MetricSummary> summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var list = summary.ToList();
        var metrics = list.Select(s => s.Metric).Distinct(StringComparer.Ordinal).ToList();
        var lines = list.GroupBy(s => (s.Label, s.LabelName))
            .Select(g =>
            {
                var cells = new List<string>
                {
                    g.Key.Label is int l ? Number(l) : MetricAggregation.OverallName,
                    g.Key.LabelName,
                    Number(g.Max(s => s.Statistic.Subjects)),
                };
                foreach (var m in metrics)
                {
                    var s = g.FirstOrDefault(x => x.Metric == m);
                    cells.Add(s is null ? "" : Cell(s.Statistic));
                }
                return cells;
            })
            .ToList();
        var header = new List<string> { "label", "name", "n" };
        header.AddRange(metrics);
        lines.Insert(0, header);
        var widths = Enumerable.Range(0, header.Count).Select(c => lines.Max(l => l[c].Length)).ToArray();
        var sb = new StringBuilder();
        for (int i = 0; i < lines.Count; i++)
        {
            sb.Append(string.Join("  ", lines[i].Select((cell, c) => c < 2 ? cell.PadRight(widths[c]) : cell.PadLeft(widths[c]))).TrimEnd()).Append('\n');
            if (i == 0)
            {
                sb.Append(string.Join("  ", widths.Select(w => new string('-', w)))).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>The CSV spelling of a presence value.</summary>
    public static string PresenceName(LabelPresence presence) => presence switch
    {
        LabelPresence.Both => "both",
        LabelPresence.ReferenceOnly => "reference_only",
        LabelPresence.PredictionOnly => "prediction_only",
        LabelPresence.Neither => "neither",
        _ => throw new ArgumentOutOfRangeException(nameof(presence), presence, "Unknown presence."),
    };

    private static string Cell(MetricStatistic s)
    {
        string text = double.IsNaN(s.Mean) ? "NaN" : s.Mean.ToString("0.000", CultureInfo.InvariantCulture);
        if (!double.IsNaN(s.StandardDeviation))
        {
            text += " ± " + s.StandardDeviation.ToString("0.000", CultureInfo.InvariantCulture);
        }
        if (s.Excluded > 0)
        {
            text += $" [{s.Valid}/{s.Subjects}]";
        }
        return text;
    }

    private static string Number(double value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Number(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void AppendLine(StringBuilder sb, IEnumerable<string> cells) => sb.Append(CsvWriter.Line(cells));
}
