using System.CommandLine;
using System.Globalization;
using ThighSeg.Cli.Reports;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Quantification;
using ThighSeg.Core.Tables;
using ThighSeg.IO;
using ThighSeg.IO.Cohort;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Inference;
using ThighSeg.Torch.Interop;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg predict</c>: segments a cohort (a NIfTI file, a DICOM series, a manifest, or a folder searched
/// recursively) with a fine-tuned model as a safe, resumable job: one label map per case (<c>OUT/&lt;case&gt;.nii.gz</c>,
/// the input's geometry, label names embedded) and/or, for a DICOM series, a DICOM-SEG (<c>OUT/&lt;case&gt;.seg.dcm</c>,
/// <c>--output-type</c>), per-case tables (volumes; with <c>--statistics</c> the per-muscle, per-side statistics and
/// per-slice CSA of <c>thighseg stats</c>), an optional QC preview and completion records under <c>OUT/cases/</c>, and
/// the merged cohort tables and <c>OUT/failures.csv</c>. See <see cref="CohortPredictionJob"/>, docs/metrics.md and docs/dicom.md.
/// </summary>
/// <remarks>Exit codes: 0 every case of the shard done or skipped; 1 the job could not run (bad model, no cases);
/// 2 bad arguments (including an output that would replace an input); <see cref="ExitCasesFailedBase"/> + n when n
/// cases failed (capped at n = 100, so 11..110), each recorded in <c>failures.csv</c> and the job went on.</remarks>
internal static class PredictCommand
{
    /// <summary>Exit code base for failed cases: the code is this plus the number of failed cases (at most 100).</summary>
    public const int ExitCasesFailedBase = 10;

    /// <summary>The per-case tables predict writes and collect merges (per-muscle statistics go here too).</summary>
    internal static IReadOnlyList<ICaseTable> Tables { get; } = [new MuscleVolumeTable()];

    /// <summary>The per-case tables of a prediction with <paramref name="outputs"/>: <see cref="Tables"/>, then with
    /// <c>--statistics</c> the per-muscle per-side statistics and the per-slice CSA table (as <c>thighseg stats</c> writes them).</summary>
    internal static IReadOnlyList<ICaseTable> TablesFor(PredictOutputs outputs) => outputs.Statistics
        ? [.. Tables, new MuscleStatisticsTable(outputs.Quantification), new CsaPerSliceTable(outputs.Quantification)]
        : Tables;

    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "A fine-tuned model folder (manifest.json + weights).", Required = true };
        var input = new Option<string>("--input") { Description = "A NIfTI file, a DICOM series folder, a manifest .csv (subject,image,label,split), or a folder searched recursively for NIfTI files and DICOM series.", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output folder: <case>.nii.gz label maps, cases/<case>/ records and tables, volumes.csv, failures.csv.", Required = true };
        var tta = new Option<bool>("--tta") { Description = "Flip test-time augmentation (the default; kept for old scripts)." };
        var noTta = new Option<bool>("--no-tta") { Description = "Turn off flip test-time augmentation (on by default)." };
        var largest = new Option<bool>("--largest-component") { Description = "Keep only the largest connected component of each label per thigh." };
        var shard = new Option<string?>("--shard") { Description = $"Predict only shard K/N (0-based) of the sorted case list. Default: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX with {ShardSpec.CountVariable} (or SLURM_ARRAY_TASK_COUNT), else all cases." };
        var overwrite = new Option<bool>("--overwrite") { Description = "Replace outputs predicted from another input or model, or not written by thighseg." };
        var threads = new Option<int?>("--threads") { Description = "CPU threads for the network (default: physical cores)." };
        var readAhead = new Option<int>("--read-ahead") { Description = "Cases read ahead while the network runs.", DefaultValueFactory = _ => 2 };
        var volume = VolumeOptions.CreateVolume();
        var series = VolumeOptions.CreateSeries();
        var maxVoxels = VolumeOptions.CreateMaxVoxels();
        var maxDecompressed = VolumeOptions.CreateMaxDecompressedMb();
        var device = DeviceOption.Create();
        var outputType = new Option<string>("--output-type") { Description = "Label output per case: 'nifti' (<case>.nii.gz), 'dicom-seg' (<case>.seg.dcm, DICOM series inputs only) or 'both'.", DefaultValueFactory = _ => "nifti" };
        var statistics = new Option<bool>("--statistics") { Description = "Also write per case the per-muscle, per-side statistics (muscle_statistics.csv: volume, voxels, max CSA and its level, CSA at --level, intensity, FOV flag) and the per-slice CSA table (csa_per_slice.csv), merged into cohort tables; as 'thighseg stats' computes them." };
        var level = new Option<double>("--level") { Description = "Relative level p (0 inferior .. 1 superior end of the labelled extent) of the reported CSA (with --statistics).", DefaultValueFactory = _ => 0.5 };
        var sides = new Option<bool>("--sides") { Description = "Write side-specific label values (<muscle>_right/_left, numbered by --side-scheme) in the label maps and SEGs." };
        var scheme = StatsCommand.CreateSideScheme();
        var preview = new Option<bool>("--preview") { Description = "Also write cases/<case>/preview.png: axial slices at 25/50/75 % and a coronal reformat with the labels and a legend." };
        var performance = new PerformanceFlags();
        var cmd = new Command("predict", "Segment a cohort (NIfTI files, DICOM series, a manifest, or a folder tree) with a fine-tuned model as a resumable, shardable job; label maps keep the input's geometry.");
        foreach (var o in new Option[] { model, input, outDir, tta, noTta, largest, shard, overwrite, threads, readAhead, volume, series, maxVoxels, maxDecompressed, device, outputType, statistics, level, sides, scheme, preview }.Concat(performance.All))
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(parse =>
        {
            if (parse.GetValue(tta) && parse.GetValue(noTta))
            {
                throw new UsageException("--tta and --no-tta contradict each other; flip TTA is on by default.");
            }
            var settings = new PredictSettings(parse.GetValue(model)!, parse.GetValue(input)!, parse.GetValue(outDir)!,
                new VolumePredictionOptions(FlipTta: !parse.GetValue(noTta), KeepLargestComponent: parse.GetValue(largest)),
                ShardFrom(parse.GetValue(shard), Environment.GetEnvironmentVariables()), parse.GetValue(overwrite), parse.GetValue(threads),
                parse.GetValue(readAhead), VolumeOptions.Read(parse, volume, series, maxVoxels, maxDecompressed))
            {
                Outputs = new PredictOutputs(ParseOutputType(parse.GetValue(outputType)!), parse.GetValue(statistics), parse.GetValue(level), parse.GetValue(sides),
                    StatsCommand.ParseScheme(parse.GetValue(scheme)!), parse.GetValue(preview)),
                Performance = performance.Bind(parse),
            };
            return Run(output, settings, DeviceOption.Get(parse, device));
        });
        return cmd;
    }

    /// <summary>Everything <see cref="Run"/> needs, already parsed.</summary>
    internal sealed record PredictSettings(string Model, string Input, string Out, VolumePredictionOptions Prediction, ShardSpec Shard,
        bool Overwrite, int? Threads, int ReadAhead, VolumeReadOptions ReadOptions)
    {
        /// <summary>Precision, layout and cuDNN autotuning of the network (default fp32, channels-last).</summary>
        public PerformanceOptions Performance { get; init; } = PerformanceOptions.Default;
        /// <summary>Output type, statistics, sides and preview (default: NIfTI label maps and volumes only).</summary>
        public PredictOutputs Outputs { get; init; } = PredictOutputs.Default;
    }

    /// <summary>What predict writes per case besides the label values.</summary>
    /// <param name="Kinds">Label files (<c>--output-type</c>) and preview (<c>--preview</c>).</param>
    /// <param name="Statistics">Per-muscle statistics and per-slice CSA tables (<c>--statistics</c>).</param>
    /// <param name="Level">Relative level of the reported CSA (<c>--level</c>).</param>
    /// <param name="Sides">Side-specific label values in the written label maps (<c>--sides</c>).</param>
    /// <param name="Scheme">Side label numbering (<c>--side-scheme</c>).</param>
    /// <param name="Preview">QC preview per case (<c>--preview</c>).</param>
    internal sealed record PredictOutputs(CohortOutputKinds Kinds, bool Statistics, double Level, bool Sides, SideLabelScheme Scheme, bool Preview)
    {
        /// <summary>NIfTI label maps and volumes only.</summary>
        public static PredictOutputs Default { get; } = new(CohortOutputKinds.Nifti, false, 0.5, false, SideLabelScheme.Offset, false);

        /// <summary>The job's output kinds (label files and preview).</summary>
        public CohortOutputKinds JobKinds => Kinds | (Preview ? CohortOutputKinds.Preview : CohortOutputKinds.None);

        /// <summary>The quantification options of the statistics tables.</summary>
        public QuantificationOptions Quantification => new() { RelativeLevel = Level, SideScheme = Scheme };
    }

    /// <summary>The label files of <c>--output-type</c>.</summary>
    internal static CohortOutputKinds ParseOutputType(string value) => value.ToLowerInvariant() switch
    {
        "nifti" => CohortOutputKinds.Nifti,
        "dicom-seg" => CohortOutputKinds.DicomSeg,
        "both" => CohortOutputKinds.Nifti | CohortOutputKinds.DicomSeg,
        _ => throw new UsageException($"--output-type must be 'nifti', 'dicom-seg' or 'both', got '{value}'."),
    };

    /// <summary>The shard from <c>--shard</c>, else from the environment (SLURM, Kubernetes), else all cases.</summary>
    internal static ShardSpec ShardFrom(string? option, System.Collections.IDictionary environment)
    {
        try
        {
            return option is not null ? ShardSpec.Parse(option) : ShardSpec.FromEnvironment(environment) ?? ShardSpec.All;
        }
        catch (FormatException ex)
        {
            throw new UsageException($"{(option is not null ? "--shard" : "shard from the environment")}: {ex.Message}", ex);
        }
    }

    /// <summary>The prediction settings a completion record holds (a change means the old outputs are not this job's).
    /// Output type, statistics (with level and side scheme), sides and preview are appended only when they differ from the
    /// defaults, so records of plain predictions stay valid.</summary>
    internal static string SettingsText(VolumePredictionOptions o, PredictOutputs? outputs = null, PerformanceOptions? performance = null)
    {
        outputs ??= PredictOutputs.Default;
        var text = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"tta={(o.FlipTta ? "true" : "false")};largest={(o.KeepLargestComponent ? "true" : "false")}"));
        if (outputs.Kinds != CohortOutputKinds.Nifti)
        {
            text.Append(";output=").Append(outputs.Kinds == CohortOutputKinds.DicomSeg ? "dicom-seg" : "both");
        }
        if (outputs.Sides)
        {
            text.Append(";sides=").Append(outputs.Scheme.ToString().ToLowerInvariant());
        }
        if (outputs.Statistics)
        {
            text.Append(CultureInfo.InvariantCulture, $";statistics=level:{outputs.Level:R},scheme:{outputs.Scheme.ToString().ToLowerInvariant()}");
        }
        if (outputs.Preview)
        {
            text.Append(";preview=true");
        }
        if (performance?.Precision is Precision.Bf16)
        {
            text.Append(";precision=bf16"); // bf16 can change a few boundary voxels: not an fp32 job's continuation
        }
        return text.ToString();
    }

    internal static int Run(TextWriter output, PredictSettings s, Torch.ComputeDevice device)
    {
        if (!Directory.Exists(s.Model))
        {
            throw new UsageException($"--model: folder not found: {s.Model}");
        }
        if (s.ReadAhead < 1)
        {
            throw new UsageException($"--read-ahead must be at least 1, got {s.ReadAhead}.");
        }
        if (s.Threads is < 1)
        {
            throw new UsageException($"--threads must be at least 1, got {s.Threads}.");
        }
        if (!File.Exists(s.Input) && !Directory.Exists(s.Input))
        {
            throw new UsageException($"--input: no such file or folder: {s.Input}");
        }
        if (s.Outputs.Level is < 0 or > 1 || double.IsNaN(s.Outputs.Level))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--level must be in [0, 1], got {s.Outputs.Level}."));
        }
        // An input file or the model folder is never an output (an output folder inside an input folder is fine: the
        // cohort code excludes it from the cases and checks every case's output path against the inputs).
        OutputGuard.RefuseInputs(s.Out, "--out", (File.Exists(s.Input) ? s.Input : null, "--input"), (s.Model, "--model"));
        var manifest = ModelArtifact.ReadManifest(s.Model);
        string fingerprint = CohortFingerprint.OfFiles([Path.Combine(s.Model, ModelArtifact.ManifestFile), Path.Combine(s.Model, manifest.WeightsFile)]);
        var cohortOutput = new CohortOutput(s.Out);
        var cases = CohortCases.Discover(s.Input, s.ReadOptions, exclude: cohortOutput.Directory);
        if (s.Outputs.Kinds.HasFlag(CohortOutputKinds.DicomSeg) && !cases.Any(CohortCases.IsDicom))
        {
            throw new UsageException($"--output-type {(s.Outputs.Kinds == CohortOutputKinds.DicomSeg ? "dicom-seg" : "both")}: none of the {cases.Count} input(s) is a DICOM series, and a DICOM-SEG references its source DICOM images; use --output-type nifti.");
        }
        var tables = TablesFor(s.Outputs);
        var job = new CohortPredictionJob(VolumeFormats.Default, cohortOutput, new CohortJobOptions
        {
            ModelFingerprint = fingerprint,
            Settings = SettingsText(s.Prediction, s.Outputs, s.Performance),
            Shard = s.Shard,
            Overwrite = s.Overwrite,
            ReadAhead = s.ReadAhead,
            Tables = tables,
            Outputs = s.Outputs.JobKinds,
        });
        try
        {
            job.CheckNoInputReplaced(cases, Directory.Exists(s.Input) ? s.Input : null);
        }
        catch (CohortException ex)
        {
            throw new UsageException($"--out: {ex.Message}", ex);
        }
        TorchPerformance.ConfigureCpuThreads(s.Threads);
        using var segmenter = VolumeSegmenter.Load(s.Model, device, s.Performance); // once per process
        var classes = segmenter.Model.Classes;
        if (s.Outputs.Sides)
        {
            try
            {
                classes = SideLabels.SidedMap(classes, s.Outputs.Scheme);
            }
            catch (ArgumentException ex)
            {
                throw new UsageException($"--side-scheme {s.Outputs.Scheme.ToString().ToLowerInvariant()}: {ex.Message}", ex);
            }
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"predict: {cases.Count} case(s), shard {s.Shard} ({s.Shard.Select(cases).Count} case(s)), flip TTA {(!s.Prediction.FlipTta ? "off" : segmenter.Model is Torch.Training.UNetSegmentationModel { TrainedWithFlips: false } ? "on, but the model was trained without flips, so it predicts without mirroring" : "on")}, output {cohortOutput.Directory}"));
        Func<Core.Volumes.Volume<int>, Core.Volumes.Volume<int>>? relabel = s.Outputs.Sides
            ? labels => SideLabels.Split(labels, segmenter.Model.Classes, s.Outputs.Scheme).Labels
            : null;
        var staged = new StagedVolumeSegmenter(segmenter, s.Prediction, relabel);
        var summary = CohortConsoleProgress.Run(output, s.Shard.Select(cases).Count, report => job.Run(cases, staged, classes, report));
        FrameWarning.Write(output, staged.CropWarnings.Order(StringComparer.Ordinal).ToList(), "case(s)", "segmented", FrameWarning.PredictionRemedy);
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"predicted {summary.Done}, skipped {summary.Skipped} (already done), failed {summary.Failed.Count} of {summary.Total} case(s) in {summary.Elapsed.TotalSeconds:F1} s"));
        foreach (var (caseId, error) in summary.Failed)
        {
            output.WriteLine($"failed: {caseId}: {Hint(error)}");
        }
        output.WriteLine(summary.Collected
            ? string.Join(Environment.NewLine, tables.Select(t => $"{t.Name}: {cohortOutput.CohortTablePath(t.Name)}"))
            : "cohort tables not built yet: other shards still have cases to do (the last shard to finish builds them; or run 'thighseg collect --out DIR').");
        return summary.Failed.Count == 0 ? CliApp.ExitOk : ExitCasesFailedBase + Math.Min(summary.Failed.Count, 100);
    }

    /// <summary>Adds the flag that resolves a failure, where there is one.</summary>
    private static string Hint(string error) =>
        error.StartsWith("not replaced:", StringComparison.Ordinal) ? error + " (pass --overwrite to replace it)"
        : error.Contains("VolumeReadOptions.SeriesInstanceUid", StringComparison.Ordinal) ? error + " (pass --series UID)"
        : error.Contains("VolumeReadOptions.VolumeIndex", StringComparison.Ordinal) ? error + " (pass --volume N)"
        : error.Contains("can only be written for a DICOM series input", StringComparison.Ordinal) ? error + " (predict the NIfTI inputs with --output-type nifti, into another output folder)"
        : VolumeOptions.WithFlagHints(error);
}
