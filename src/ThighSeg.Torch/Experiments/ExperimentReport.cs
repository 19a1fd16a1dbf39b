using System.Globalization;
using System.Text;
using ThighSeg.Core.Data;
using ThighSeg.Core.Imaging;
using ThighSeg.Core.Metrics;
using ThighSeg.Torch.Inference;

namespace ThighSeg.Torch.Experiments;

/// <summary>Formats an experiment's results: CSV and Markdown tables, and an overlay montage.</summary>
/// <remarks>Stateless and thread-safe. Numbers use the invariant culture.</remarks>
public static class ExperimentReport
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    /// <summary>Per-subject, per-label metrics of every run, with <c>method,size,repeat</c> columns before <see cref="MetricCsv"/>'s.</summary>
    public static string MetricsCsv(IEnumerable<RunResult> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var sb = new StringBuilder();
        bool header = true;
        foreach (var run in runs)
        {
            var lines = MetricCsv.FormatRows(run.Rows).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i].TrimEnd('\r');
                if (i == 0)
                {
                    if (header)
                    {
                        sb.Append("method,size,repeat,").Append(line).Append('\n');
                        header = false;
                    }
                    continue;
                }
                sb.Append(CultureInfo.InvariantCulture, $"{run.Key.Method.Name()},{run.Key.Size},{run.Key.Repeat},").Append(line).Append('\n');
            }
        }
        return sb.ToString();
    }

    /// <summary>Summary rows as CSV: method, size, label, label_name, metric, n, n_valid, mean, sd.</summary>
    public static string SummaryCsv(IEnumerable<ExperimentSummaryRow> summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var sb = new StringBuilder("method,size,label,label_name,metric,n,n_valid,mean,sd\n");
        foreach (var r in summary)
        {
            sb.Append(CultureInfo.InvariantCulture,
                $"{r.Method.Name()},{r.Size},{(r.Label?.ToString(Inv) ?? "")},{Csv(r.LabelName)},{r.Metric},{r.Statistic.Subjects},{r.Statistic.Valid},{Num(r.Statistic.Mean)},{Num(r.Statistic.StandardDeviation)}\n");
        }
        return sb.ToString();
    }

    /// <summary>The comparisons against random initialisation as CSV.</summary>
    public static string ComparisonsCsv(IEnumerable<ExperimentComparison> comparisons)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        var sb = new StringBuilder("method,size,subjects,mean_dice,mean_dice_rnd,p_value,diff_ci95_low,diff_ci95_high\n");
        foreach (var c in comparisons)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{c.Method.Name()},{c.Size},{c.Subjects},{Num(c.MeanDice)},{Num(c.MeanDiceRandom)},{Num(c.PValue)},{Num(c.DifferenceInterval.Lower)},{Num(c.DifferenceInterval.Upper)}\n");
        }
        return sb.ToString();
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
                sb.AppendLine(CultureInfo.InvariantCulture, $"| {c.Method.Name()} | {c.Size} | {c.Subjects} | {c.MeanDice:F3} | {c.MeanDiceRandom:F3} | {c.MeanDice - c.MeanDiceRandom:+0.000;-0.000} [{c.DifferenceInterval.Lower:+0.000;-0.000}, {c.DifferenceInterval.Upper:+0.000;-0.000}] | {Num(c.PValue)} |");
            }
            sb.AppendLine();
        }
        return sb.ToString();
    }

    /// <summary>
    /// An overlay montage of one test subject at three levels: the image, the reference, then each method's prediction
    /// at the smallest size (first repeat). Null when no such run has a saved model.
    /// </summary>
    public static LabelOverlay.RgbImage? Montage(Dataset dataset, string subject, IReadOnlyList<RunResult> runs, ExperimentOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(options);
        var loaded = dataset.Load(subject);
        double[] levels = [0.25, 0.5, 0.75];
        int scale = Math.Max(1, Math.Min(4, 256 / Math.Max(loaded.Image.Shape.X, loaded.Image.Shape.Y)));
        var reference = LabelOverlay.Montage(loaded.Image, loaded.Labels, levels, scale);
        var parts = new List<LabelOverlay.RgbImage> { reference };
        foreach (var method in options.Methods)
        {
            var run = runs.FirstOrDefault(r => r.Key.Method == method && r.Key.Size == options.Sizes[0] && r.Key.Repeat == 0);
            if (run is null || !File.Exists(Path.Combine(run.ModelDirectory, Artifacts.ModelArtifact.ManifestFile)))
            {
                continue;
            }
            using var segmenter = VolumeSegmenter.Load(run.ModelDirectory, options.Device);
            var prediction = segmenter.Predict(loaded.Image, new VolumePredictionOptions(options.FlipTta, options.KeepLargestComponent), subject);
            parts.Add(BottomRow(LabelOverlay.Montage(loaded.Image, prediction.Labels, levels, scale)));
        }
        return parts.Count == 1 ? null : StackVertically(parts);
    }

    private static LabelOverlay.RgbImage BottomRow(LabelOverlay.RgbImage twoRows)
    {
        const int gap = 4;
        int rowHeight = (twoRows.Height - gap) / 2;
        int start = twoRows.Height - rowHeight;
        var rgb = twoRows.Rgb.AsSpan(start * twoRows.Width * 3, rowHeight * twoRows.Width * 3).ToArray();
        return new LabelOverlay.RgbImage(twoRows.Width, rowHeight, rgb);
    }

    private static LabelOverlay.RgbImage StackVertically(IReadOnlyList<LabelOverlay.RgbImage> parts)
    {
        const int gap = 4;
        int width = parts.Max(p => p.Width);
        int height = parts.Sum(p => p.Height) + (gap * (parts.Count - 1));
        var rgb = new byte[width * height * 3];
        int y0 = 0;
        foreach (var p in parts)
        {
            for (int y = 0; y < p.Height; y++)
            {
                p.Rgb.AsSpan(y * p.Width * 3, p.Width * 3).CopyTo(rgb.AsSpan(((y0 + y) * width) * 3));
            }
            y0 += p.Height + gap;
        }
        return new LabelOverlay.RgbImage(width, height, rgb);
    }

    private static string MeanSd(MetricStatistic s, string format) =>
        double.IsNaN(s.Mean) ? "–" : $"{s.Mean.ToString(format, Inv)} ± {(double.IsNaN(s.StandardDeviation) ? "–" : s.StandardDeviation.ToString(format, Inv))}";

    private static string Num(double v) => double.IsNaN(v) ? "NaN" : v.ToString("G6", Inv);

    private static string Csv(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) ? $"\"{s.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : s;
}
