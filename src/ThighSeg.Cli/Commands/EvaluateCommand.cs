using System.CommandLine;
using System.Globalization;
using ThighSeg.Core;
using ThighSeg.Core.Data;
using ThighSeg.Core.Metrics;
using ThighSeg.Core.Volumes;
using ThighSeg.IO;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg evaluate --pred DIR --ref DIR [--labels labels.json] --out metrics.csv [--summary FILE] [--threads N]</c>:
/// per subject and label Dice, HD95, ASSD, RVD and volumes of predicted against reference label maps; a summary (mean ±
/// SD over subjects) written next to the CSV and printed. See docs/metrics.md.
/// </summary>
/// <remarks>
/// Files are paired by subject id (<see cref="SubjectIds.FromPath"/>: the file name without its volume extension).
/// Two files of one folder with the same id (<c>x.nii</c> and <c>x.nii.gz</c>) are refused rather than renamed as the
/// cohort job does (<see cref="SubjectIds.Disambiguate"/>): a pairing across two folders must not depend on which
/// extensions each folder happens to hold. Every reference needs a prediction (otherwise exit 1 naming the missing ones); predictions
/// without a reference are listed and ignored. Volumes are read by the first <see cref="IVolumeReader"/> that accepts
/// the file and must hold integer label values on the same grid.
/// </remarks>
internal static class EvaluateCommand
{
    public static Command Create(TextWriter output, IReadOnlyList<IVolumeReader> readers)
    {
        ArgumentNullException.ThrowIfNull(readers);
        var pred = new Option<string>("--pred") { Description = "Folder of predicted label maps (one file per subject).", Required = true };
        var reference = new Option<string>("--ref") { Description = "Folder of reference (ground-truth) label maps, named like the predictions.", Required = true };
        var labels = new Option<string?>("--labels") { Description = "labels.json mapping label values to names ({\"0\": \"background\", \"1\": \"vastus_lateralis\", ...}); its non-zero labels are evaluated for every subject; it must list every label value of the volumes, and each of its labels must occur in some reference. Default: the labels found in each pair of volumes, named as stored in the files (NIfTI label extension), else label_<value>." };
        var outPath = new Option<string>("--out") { Description = "CSV file for per-subject, per-label metrics (subject,label,label_name,presence,dice,hd95_mm,assd_mm,rvd,volume_ml_ref,volume_ml_pred).", Required = true };
        var summaryPath = new Option<string?>("--summary") { Description = "CSV file for the summary (mean and SD over subjects). Default: next to --out, named <out>.summary.csv." };
        var threads = new Option<int>("--threads") { Description = "Labels evaluated concurrently (results do not depend on it).", DefaultValueFactory = _ => 1 };

        var cmd = new Command("evaluate", "Compare predicted label maps with reference label maps: Dice, HD95 and ASSD (mm), relative volume difference and volumes (mL) per subject and label, plus mean ± SD over subjects.");
        cmd.Options.Add(pred);
        cmd.Options.Add(reference);
        cmd.Options.Add(labels);
        cmd.Options.Add(outPath);
        cmd.Options.Add(summaryPath);
        cmd.Options.Add(threads);
        cmd.SetAction(parse => Run(
            output,
            readers,
            parse.GetValue(pred)!,
            parse.GetValue(reference)!,
            parse.GetValue(labels),
            parse.GetValue(outPath)!,
            parse.GetValue(summaryPath),
            parse.GetValue(threads)));
        return cmd;
    }

    internal static int Run(TextWriter output, IReadOnlyList<IVolumeReader> readers, string predDir, string refDir, string? labelsPath, string outPath, string? summaryPath, int threads)
    {
        if (!Directory.Exists(predDir))
        {
            throw new UsageException($"--pred: folder not found: {predDir}");
        }
        if (!Directory.Exists(refDir))
        {
            throw new UsageException($"--ref: folder not found: {refDir}");
        }
        if (labelsPath is not null && !File.Exists(labelsPath))
        {
            throw new UsageException($"--labels: file not found: {labelsPath}");
        }
        if (threads < 1)
        {
            throw new UsageException($"--threads must be at least 1, got {threads}.");
        }
        if (string.IsNullOrWhiteSpace(outPath) || Directory.Exists(outPath))
        {
            throw new UsageException($"--out must be a file path, got '{outPath}'.");
        }
        summaryPath ??= DefaultSummaryPath(outPath);
        if (Path.GetFullPath(summaryPath) == Path.GetFullPath(outPath))
        {
            throw new UsageException("--summary must differ from --out.");
        }

        OutputGuard.RefuseInputs(outPath, "--out", (refDir, "--ref"), (predDir, "--pred"), (labelsPath, "--labels"));
        OutputGuard.RefuseInputs(summaryPath, "--summary", (refDir, "--ref"), (predDir, "--pred"), (labelsPath, "--labels"));

        // labels.json is read by the one reader (LabelMap); it must name at least one non-zero label.
        IReadOnlyDictionary<int, string>? labelNames = labelsPath is null ? null : LabelMap.Load(labelsPath).Names;
        if (labelNames is not null && !labelNames.Keys.Any(k => k != 0))
        {
            throw new EvaluationInputException($"{labelsPath}: no non-zero label to evaluate.");
        }
        var references = ListVolumes(refDir, readers);
        var predictions = ListVolumes(predDir, readers);
        if (references.Count == 0)
        {
            throw new EvaluationInputException($"--ref: no readable label maps in {refDir} (formats: {string.Join(", ", readers.Select(r => r.FormatName).Distinct())}).");
        }
        var missing = references.Keys.Where(s => !predictions.ContainsKey(s)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new EvaluationInputException(
                $"No prediction in {predDir} for {missing.Count} of {references.Count} reference subject(s): {string.Join(", ", missing.Take(10))}{(missing.Count > 10 ? ", ..." : "")}. Predict them or remove their reference files.");
        }
        var unpaired = predictions.Keys.Where(s => !references.ContainsKey(s)).Order(StringComparer.Ordinal).ToList();
        if (unpaired.Count > 0)
        {
            output.WriteLine($"warning: ignoring {unpaired.Count} prediction(s) without a reference: {string.Join(", ", unpaired.Take(10))}{(unpaired.Count > 10 ? ", ..." : "")}");
        }

        var baseOptions = new EvaluationOptions
        {
            Labels = labelNames?.Keys.Where(k => k != 0).Order().ToArray(),
            LabelNames = labelNames,
            MaxDegreeOfParallelism = threads,
        };
        var rows = new List<SubjectMetrics>();
        var referenceValues = new SortedSet<int>();
        var subjects = references.Keys.Order(StringComparer.Ordinal).ToList();
        for (int i = 0; i < subjects.Count; i++)
        {
            string subject = subjects[i];
            var (refVolume, refNames) = ReadLabelMap(references[subject], readers);
            var (predVolume, predNames) = ReadLabelMap(predictions[subject], readers);
            var options = baseOptions;
            if (labelNames is null)
            {
                // Names stored with the reference file (a NIfTI label extension), else with the prediction, else generic names.
                var names = new Dictionary<int, string>();
                foreach (var stored in (IReadOnlyDictionary<int, string>?[])[refNames, predNames])
                {
                    foreach (var (value, name) in stored ?? new Dictionary<int, string>())
                    {
                        names.TryAdd(value, name);
                    }
                }
                options = baseOptions with { LabelNames = names };
            }
            else
            {
                RefuseUnlistedLabels(labelsPath!, subject, references[subject], refVolume, labelNames, referenceValues);
                RefuseUnlistedLabels(labelsPath!, subject, predictions[subject], predVolume, labelNames, null);
            }
            IReadOnlyList<SubjectMetrics> subjectRows;
            try
            {
                subjectRows = new SegmentationEvaluator(options).Evaluate(subject, refVolume, predVolume);
            }
            catch (GeometryMismatchException ex)
            {
                throw new GeometryMismatchException($"Subject '{subject}' ({references[subject]} vs {predictions[subject]}): {ex.Message}", ex);
            }
            if (labelNames is null)
            {
                subjectRows = subjectRows.Select(r => options.LabelNames!.ContainsKey(r.Label) ? r : r with { LabelName = "label_" + r.Label.ToString(CultureInfo.InvariantCulture) }).ToList();
            }
            rows.AddRange(subjectRows);
            double meanDice = MetricStatistic.Of(subjectRows.Select(r => r.Dice)).Mean;
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"[{i + 1}/{subjects.Count}] {subject}: {subjectRows.Count} labels, mean dice {meanDice:0.000}"));
        }

        if (labelNames is not null)
        {
            var absent = labelNames.Keys.Where(v => v != 0 && !referenceValues.Contains(v)).Order().ToList();
            if (absent.Count > 0)
            {
                throw new EvaluationInputException(
                    $"{labelsPath} lists label(s) that no reference label map in {refDir} contains: {string.Join(", ", absent.Select(v => $"{v} ({labelNames[v]})"))}. " +
                    "The labels.json does not describe these label maps: fix it, or evaluate without --labels to use the labels present.");
            }
        }

        var summary = MetricAggregation.Summarize(rows);
        MetricCsv.WriteRows(outPath, rows);
        MetricCsv.WriteSummary(summaryPath, summary);
        output.WriteLine();
        output.Write(MetricCsv.FormatTable(summary));
        output.WriteLine();
        output.WriteLine($"{rows.Count} rows ({subjects.Count} subjects) written to {outPath}; summary written to {summaryPath}.");
        output.WriteLine("Means and SDs are over subjects; NaN values (empty masks, see docs/metrics.md) are excluded and counted as [valid/subjects].");
        return CliApp.ExitOk;
    }

    internal static string DefaultSummaryPath(string outPath)
    {
        string full = Path.GetFullPath(outPath);
        string stem = full.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? full[..^4] : full;
        return stem + ".summary.csv";
    }

    /// <summary>Readable volumes of a folder (not recursive), by subject; <c>.img</c> halves of Analyze-style pairs are skipped.</summary>
    private static Dictionary<string, string> ListVolumes(string dir, IReadOnlyList<IVolumeReader> readers)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal))
        {
            if (Path.GetFileName(file).StartsWith('.') || !readers.Any(r => r.CanRead(file)))
            {
                continue;
            }
            if (file.EndsWith(".img", StringComparison.OrdinalIgnoreCase) && File.Exists(Path.ChangeExtension(file, ".hdr")))
            {
                continue;
            }
            string subject = SubjectIds.FromPath(file);
            if (!result.TryAdd(subject, file))
            {
                throw new EvaluationInputException($"{dir}: two files for subject '{subject}': {Path.GetFileName(result[subject])} and {Path.GetFileName(file)}. Keep one.");
            }
        }
        return result;
    }

    /// <summary>Reads a label map: every voxel must be an integer value in the int range.</summary>
    private static (Volume<int> Volume, IReadOnlyDictionary<int, string>? Names) ReadLabelMap(string path, IReadOnlyList<IVolumeReader> readers)
    {
        var reader = readers.First(r => r.CanRead(path));
        LoadedVolume loaded = reader.Read(path);
        var image = loaded.Image;
        var data = new int[image.Data.Length];
        for (int i = 0; i < data.Length; i++)
        {
            float v = image.Data[i];
            if (!(v == MathF.Round(v) && v >= int.MinValue && v <= int.MaxValue))
            {
                int x = i % image.Shape.X, y = i / image.Shape.X % image.Shape.Y, z = i / image.Shape.SliceSize;
                throw new VolumeFormatException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: not a label map: voxel ({x}, {y}, {z}) holds {v}, but label values must be integers (stored type {loaded.StoredType})."));
            }
            data[i] = (int)v;
        }
        return (image.WithData(data), loaded.LabelNames);
    }

    /// <summary>
    /// Refuses a label map holding a value that labels.json does not list (it would be silently left out of the
    /// evaluation); adds the values found to <paramref name="found"/> when given.
    /// </summary>
    /// <exception cref="EvaluationInputException">A value of <paramref name="labels"/> is not in <paramref name="labelNames"/>.</exception>
    private static void RefuseUnlistedLabels(string labelsPath, string subject, string file, Volume<int> labels, IReadOnlyDictionary<int, string> labelNames, SortedSet<int>? found)
    {
        var values = new SortedSet<int>();
        int last = 0;
        foreach (int v in labels.Data)
        {
            if (v != last)
            {
                last = v;
                values.Add(v);
            }
        }
        values.Remove(0);
        found?.UnionWith(values);
        var unlisted = values.Where(v => !labelNames.ContainsKey(v)).ToList();
        if (unlisted.Count > 0)
        {
            throw new EvaluationInputException(
                $"Subject '{subject}': {file} contains label value(s) that {labelsPath} does not list: {string.Join(", ", unlisted.Take(20))}{(unlisted.Count > 20 ? ", ..." : "")}. " +
                "The labels.json does not describe these label maps: fix it, or evaluate without --labels to use the labels present.");
        }
    }
}
