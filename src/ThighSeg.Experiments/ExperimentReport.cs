using System.Globalization;
using System.Text;
using ThighSeg.Core.Data;
using ThighSeg.Core.Imaging;
using ThighSeg.Core.Metrics;
using ThighSeg.Core.Tables;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Inference;

namespace ThighSeg.Experiments;

/// <summary>Formats an experiment's results: CSV and Markdown tables, and an overlay montage.</summary>
/// <remarks>Stateless and thread-safe. Numbers use the invariant culture.</remarks>
public static class ExperimentReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Per-subject, per-label metrics of every run: <c>method,size,repeat</c>, then <see cref="MetricCsv"/>'s row columns.</summary>
    public static string MetricsCsv(IEnumerable<RunResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var metricNames = new SubjectMetrics("", 0, "", LabelPresence.Neither, 0, 0, 0, 0, 0, 0).Values().Select(v => v.Name).ToList();
        var csv = new CsvWriter(["method", "size", "repeat", .. MetricCsv.RowKeyColumns, .. metricNames]);
        foreach (var run in runs)
        {
            foreach (var row in run.Rows)
            {
                csv.AddRow([run.Key.Method.Name(), run.Key.Size, run.Key.Repeat, row.Subject, row.Label, row.LabelName, MetricCsv.PresenceName(row.Presence),
                    .. row.Values().Select(v => (object?)v.Value)]);
            }
        }
        return csv.ToString();
    }

    /// <summary>Summary rows as CSV: method, size, label, label_name, metric, n, n_valid, mean, sd.</summary>
    public static string SummaryCsv(IEnumerable<ExperimentSummaryRow> summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var csv = new CsvWriter(["method", "size", "label", "label_name", "metric", "n", "n_valid", "mean", "sd"]);
        foreach (var r in summary)
        {
            csv.AddRow(r.Method.Name(), r.Size, r.Label, r.LabelName, r.Metric, r.Statistic.Subjects, r.Statistic.Valid, r.Statistic.Mean, r.Statistic.StandardDeviation);
        }
        return csv.ToString();
    }

    /// <summary>The comparisons against random initialisation as CSV.</summary>
    public static string ComparisonsCsv(IEnumerable<ExperimentComparison> comparisons)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        var csv = new CsvWriter(["method", "size", "subjects", "mean_dice", "mean_dice_rnd", "p_value", "diff_ci95_low", "diff_ci95_high"]);
        foreach (var c in comparisons)
        {
            csv.AddRow(c.Method.Name(), c.Size, c.Subjects, c.MeanDice, c.MeanDiceRandom, c.PValue, c.DifferenceInterval.Lower, c.DifferenceInterval.Upper);
        }
        return csv.ToString();
    }

    /// <summary>
    /// A Markdown report: mean ± SD of Dice, HD95 and ASSD per method and size (over test subjects, pooled over
    /// repeats), per-muscle Dice, and the Wilcoxon p-values and bootstrap 95% intervals of the paired difference against random initialisation.
    /// </summary>
    public static string SummaryMarkdown(ExperimentOptions options, IReadOnlyList<ExperimentSummaryRow> summary, IReadOnlyList<ExperimentComparison> comparisons)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(comparisons);
        var sb = new StringBuilder();
        sb.AppendLine("# Label-efficiency experiment").AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Methods: {string.Join(", ", options.Methods.Select(m => m.Name()))}; sizes: {string.Join(", ", options.Sizes)}; repeats: {options.Repeats}; seed: {options.Seed}.");
        sb.AppendLine("Values are mean ± SD over test subjects (each subject's mean over labels), pooled over repeats.").AppendLine();
        foreach (var (metric, title) in new[] { ("dice", "Dice"), ("hd95_mm", "HD95 (mm)"), ("assd_mm", "ASSD (mm)") })
        {
            sb.AppendLine(CultureInfo.InvariantCulture, $"## {title}").AppendLine();
            sb.Append("| S |").AppendJoin("", options.Methods.Select(m => $" {m.Name()} |")).AppendLine();
            sb.Append("|---|").AppendJoin("", options.Methods.Select(_ => "---|")).AppendLine();
            foreach (int size in options.Sizes)
            {
                sb.Append(CultureInfo.InvariantCulture, $"| {size} |");
                foreach (var m in options.Methods)
                {
                    var row = summary.FirstOrDefault(r => r.Method == m && r.Size == size && r.Label is null && r.Metric == metric);
                    sb.Append(' ').Append(row is null ? "–" : MeanSd(row.Statistic, metric == "dice" ? "F3" : "F2")).Append(" |");
                }
                sb.AppendLine();
            }
            sb.AppendLine();
        }

        sb.AppendLine("## Dice per muscle").AppendLine();
        var columns = options.Sizes.SelectMany(s => options.Methods.Select(m => (Size: s, Method: m))).ToList();
        sb.Append("| label |").AppendJoin("", columns.Select(c => $" {c.Method.Name()} S={c.Size} |")).AppendLine();
        sb.Append("|---|").AppendJoin("", columns.Select(_ => "---:|")).AppendLine();
        foreach (var label in summary.Where(r => r.Label is not null && r.Metric == "dice").Select(r => (r.Label, r.LabelName)).Distinct().OrderBy(l => l.Label))
        {
            sb.Append(CultureInfo.InvariantCulture, $"| {label.LabelName} |");
            foreach (var c in columns)
            {
                var row = summary.FirstOrDefault(r => r.Method == c.Method && r.Size == c.Size && r.Label == label.Label && r.Metric == "dice");
                sb.Append(' ').Append(row is null || double.IsNaN(row.Statistic.Mean) ? "–" : row.Statistic.Mean.ToString("F3", Inv)).Append(" |");
            }
            sb.AppendLine();
        }
        sb.AppendLine();

        if (comparisons.Count > 0)
        {
            sb.AppendLine("## Paired Wilcoxon signed-rank test against random initialisation").AppendLine();
            sb.AppendLine("| method | S | subjects | mean Dice | mean Dice (rnd) | difference [95% CI] | p |").AppendLine("|---|---:|---:|---:|---:|---:|---:|");
            foreach (var c in comparisons)
            {
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {c.Method.Name()} | {c.Size} | {c.Subjects} | {c.MeanDice:F3} | {c.MeanDiceRandom:F3} | {SignedDifference(c.MeanDice - c.MeanDiceRandom)} [{SignedDifference(c.DifferenceInterval.Lower)}, {SignedDifference(c.DifferenceInterval.Upper)}] | {Num(c.PValue)} |");
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>
    /// An overlay montage of one test subject as PNG, drawn by <see cref="PreviewRenderer.Grid"/>: one column per axial
    /// level (25, 50, 75 % of the labelled extent), rows for the image, the reference, and each method's prediction at
    /// the smallest size (first repeat), with row and column titles and a legend of the label names and colours.
    /// Null when no such run has a saved model.
    /// </summary>
    public static byte[]? Montage(Dataset dataset, string subject, IReadOnlyList<RunResult> runs, ExperimentOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(options);
        var loaded = dataset.Load(subject);
        double[] levels = [0.25, 0.5, 0.75];
        int scale = Math.Max(1, Math.Min(4, 256 / Math.Max(loaded.Image.Shape.X, loaded.Image.Shape.Y)));
        var cells = new List<IReadOnlyList<LabelOverlay.RgbImage>>();
        var rowTitles = new List<string>();
        var shown = new HashSet<int>();
        IReadOnlyList<LabelOverlay.RgbImage> Row(Core.Volumes.Volume<int>? labels, bool overlay) =>
            [.. levels.Select(p => Half(LabelOverlay.Montage(loaded.Image, labels, [p], scale), bottom: overlay))];

        rowTitles.Add("image");
        cells.Add(Row(loaded.Labels, overlay: false));
        if (loaded.Labels is not null)
        {
            rowTitles.Add("reference");
            cells.Add(Row(loaded.Labels, overlay: true));
            shown.UnionWith(loaded.Labels.Data.Where(v => v != 0));
        }
        int predictions = 0;
        foreach (var method in options.Methods)
        {
            var run = runs.FirstOrDefault(r => r.Key.Method == method && r.Key.Size == options.Sizes[0] && r.Key.Repeat == 0);
            if (run is null || !File.Exists(Path.Combine(run.ModelDirectory, ModelArtifact.ManifestFile)))
            {
                continue;
            }
            using var segmenter = VolumeSegmenter.Load(run.ModelDirectory, options.Device);
            var prediction = segmenter.Predict(loaded.Image, new VolumePredictionOptions(options.FlipTta, options.KeepLargestComponent), subject);
            rowTitles.Add(string.Create(CultureInfo.InvariantCulture, $"{method.Name()} S={run.Key.Size}"));
            cells.Add(Row(prediction.Labels, overlay: true));
            shown.UnionWith(prediction.Labels.Data.Where(v => v != 0));
            predictions++;
        }
        if (predictions == 0)
        {
            return null;
        }
        string[] columns = [.. levels.Select(p => string.Create(CultureInfo.InvariantCulture, $"axial {p * 100:0} %"))];
        return PreviewRenderer.Grid($"Test subject {subject}: reference and predictions", columns, rowTitles, cells, PreviewRenderer.Legend(dataset.Labels, shown));
    }

    /// <summary>The top (image) or bottom (overlay) half of a one-level <see cref="LabelOverlay.Montage"/>.</summary>
    private static LabelOverlay.RgbImage Half(LabelOverlay.RgbImage twoRows, bool bottom)
    {
        const int gap = 4;
        int rowHeight = (twoRows.Height - gap) / 2;
        int start = bottom ? twoRows.Height - rowHeight : 0;
        var rgb = twoRows.Rgb.AsSpan(start * twoRows.Width * 3, rowHeight * twoRows.Width * 3).ToArray();
        return new LabelOverlay.RgbImage(twoRows.Width, rowHeight, rgb);
    }

    private static string MeanSd(MetricStatistic s, string format) =>
        double.IsNaN(s.Mean) ? "–" : $"{s.Mean.ToString(format, Inv)} ± {(double.IsNaN(s.StandardDeviation) ? "–" : s.StandardDeviation.ToString(format, Inv))}";

    private static string Num(double v) => double.IsNaN(v) ? "NaN" : v.ToString("G6", Inv);

    /// <summary>A Dice difference with its sign and three decimals (<c>+0.015</c>, <c>-0.008</c>); a value that rounds to
    /// zero is <c>+0.000</c> (a custom format's negative section would print <c>-+0.000</c> for it).</summary>
    public static string SignedDifference(double value)
    {
        double rounded = Math.Round(value, 3, MidpointRounding.AwayFromZero);
        return double.IsNaN(value) ? "NaN" : (rounded == 0 ? 0.0 : rounded).ToString("+0.000;-0.000", Inv);
    }

}
