using ScottPlot;
using ThighSeg.Experiments;

namespace ThighSeg.Cli.Reports;

/// <summary>Plots of experiment results (ScottPlot, PNG).</summary>
internal static class ResultPlots
{
    private static readonly Color[] Palette =
    [
        new(0x44, 0x77, 0xAA), new(0xEE, 0x66, 0x77), new(0x22, 0x88, 0x33), new(0xCC, 0xBB, 0x44), new(0x66, 0xCC, 0xEE), new(0xAA, 0x33, 0x77),
    ];

    /// <summary>
    /// The label-efficiency plot: mean Dice (± SD over test subjects) against the number of labelled subjects on a
    /// log axis, one line per method. With a single size, a grouped bar chart of Dice per label instead.
    /// </summary>
    public static void Write(string path, ExperimentOptions options, IReadOnlyList<ExperimentSummaryRow> summary)
    {
        var plot = options.Sizes.Count > 1 ? EfficiencyPlot(options, summary) : PerLabelBars(options, summary);
        string tmp = path + ".tmp.png";
        plot.SavePng(tmp, options.Sizes.Count > 1 ? 800 : 1100, options.Sizes.Count > 1 ? 500 : 560);
        File.Move(tmp, path, overwrite: true);
    }

    private static Plot EfficiencyPlot(ExperimentOptions options, IReadOnlyList<ExperimentSummaryRow> summary)
    {
        var plot = new Plot();
        for (int i = 0; i < options.Methods.Count; i++)
        {
            var method = options.Methods[i];
            var rows = options.Sizes
                .Select(s => summary.FirstOrDefault(r => r.Method == method && r.Size == s && r.Label is null && r.Metric == "dice"))
                .Where(r => r is not null && !double.IsNaN(r.Statistic.Mean))
                .ToList();
            if (rows.Count == 0)
            {
                continue;
            }
            double[] xs = [.. rows.Select(r => Math.Log10(r!.Size))];
            double[] ys = [.. rows.Select(r => r!.Statistic.Mean)];
            double[] sd = [.. rows.Select(r => double.IsNaN(r!.Statistic.StandardDeviation) ? 0 : r.Statistic.StandardDeviation)];
            var colour = Palette[i % Palette.Length];
            var line = plot.Add.Scatter(xs, ys);
            line.LegendText = method.Name();
            line.Color = colour;
            line.LineWidth = 2;
            line.MarkerSize = 7;
            var bars = plot.Add.ErrorBar(xs, ys, sd);
            bars.Color = colour;
        }
        double[] ticks = [.. options.Sizes.Select(s => Math.Log10(s))];
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(ticks, [.. options.Sizes.Select(s => s.ToString(System.Globalization.CultureInfo.InvariantCulture))]);
        plot.Axes.SetLimitsY(0, 1);
        plot.Title("Label efficiency: test Dice vs labelled subjects");
        plot.XLabel("labelled subjects S (log scale)");
        plot.YLabel("Dice (mean ± SD over test subjects)");
        plot.ShowLegend(Alignment.LowerRight);
        return plot;
    }

    private static Plot PerLabelBars(ExperimentOptions options, IReadOnlyList<ExperimentSummaryRow> summary)
    {
        var plot = new Plot();
        int size = options.Sizes[0];
        var labels = summary.Where(r => r.Label is not null && r.Metric == "dice").Select(r => (r.Label, r.LabelName)).Distinct().OrderBy(l => l.Label).ToList();
        int m = options.Methods.Count;
        double width = 0.8 / m;
        for (int i = 0; i < m; i++)
        {
            var method = options.Methods[i];
            var bars = new List<Bar>();
            for (int j = 0; j < labels.Count; j++)
            {
                var row = summary.FirstOrDefault(r => r.Method == method && r.Size == size && r.Label == labels[j].Label && r.Metric == "dice");
                double v = row is null || double.IsNaN(row.Statistic.Mean) ? 0 : row.Statistic.Mean;
                double sd = row is null || double.IsNaN(row.Statistic.StandardDeviation) ? 0 : row.Statistic.StandardDeviation;
                bars.Add(new Bar { Position = j + ((i - ((m - 1) / 2.0)) * width), Value = v, Error = sd, Size = width * 0.95, FillColor = Palette[i % Palette.Length] });
            }
            var series = plot.Add.Bars(bars);
            series.LegendText = method.Name();
        }
        // Abbreviated tick labels, rotated so that they never overlap, with a key under the axis.
        var abbreviations = Abbreviations([.. labels.Select(l => l.LabelName)]);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual(
            [.. Enumerable.Range(0, labels.Count).Select(j => (double)j)], abbreviations);
        plot.Axes.Bottom.TickLabelStyle.Rotation = -45;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleRight;
        plot.Axes.Bottom.MinimumSize = 100;
        var key = labels.Select((l, j) => abbreviations[j] == l.LabelName ? null : $"{abbreviations[j]} = {l.LabelName}").Where(k => k is not null).ToList();
        if (key.Count > 0)
        {
            plot.XLabel(string.Join("\n", key.Chunk(5).Select(c => string.Join("   ", c))));
            plot.Axes.Bottom.Label.FontSize = 11;
        }
        plot.Axes.SetLimitsY(0, 1);
        plot.Title($"Test Dice per label with {size} labelled subject{(size == 1 ? "" : "s")}");
        plot.YLabel("Dice (mean ± SD over test subjects)");
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>Initials of each name's parts (<c>vastus_lateralis</c> → <c>VL</c>); a single-part name gives its first
    /// three letters (<c>sartorius</c> → <c>SAR</c>), lengthened until unique (<c>SEMIM</c>, <c>SEMIT</c>); a name whose
    /// abbreviation still collides with another's stays as it is.</summary>
    internal static string[] Abbreviations(IReadOnlyList<string> names)
    {
        var parts = names.Select(n => n.Split('_', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        var result = new string[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            if (parts[i].Length > 1)
            {
                result[i] = string.Concat(parts[i].Select(p => char.ToUpperInvariant(p[0])));
                continue;
            }
            string word = names[i];
            int length = Math.Min(3, word.Length);
            while (length < word.Length && names.Any(o => !ReferenceEquals(o, names[i]) && o != word && o.Length >= length
                && o.StartsWith(word[..length], StringComparison.OrdinalIgnoreCase)))
            {
                length++;
            }
            result[i] = word[..length].ToUpperInvariant();
        }
        return [.. result.Select((a, i) => result.Count(b => b == a) > 1 ? names[i] : a)];
    }
}
