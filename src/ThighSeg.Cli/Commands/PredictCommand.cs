using System.CommandLine;
using System.Globalization;
using ThighSeg.Cli.Reports;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Tables;
using ThighSeg.IO;
using ThighSeg.IO.Cohort;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Inference;
using ThighSeg.Torch.Performance;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg predict</c>: segments a cohort (a NIfTI file, a DICOM series, a manifest, or a folder searched
/// recursively) with a fine-tuned model as a safe, resumable job: one label map per case (<c>OUT/&lt;case&gt;.nii.gz</c>,
/// the input's geometry, label names embedded), per-case tables and completion records under <c>OUT/cases/</c>, and the
/// cohort tables <c>OUT/volumes.csv</c> and <c>OUT/failures.csv</c>. See <see cref="CohortPredictionJob"/> and
/// docs/cohort-prediction.md.
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
        var device = DeviceOption.Create();
        var performance = new PerformanceFlags();
        var cmd = new Command("predict", "Segment a cohort (NIfTI files, DICOM series, a manifest, or a folder tree) with a fine-tuned model as a resumable, shardable job; label maps keep the input's geometry.");
        foreach (var o in new Option[] { model, input, outDir, tta, noTta, largest, shard, overwrite, threads, readAhead, volume, series, device }.Concat(performance.All))
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
                parse.GetValue(readAhead), VolumeOptions.Read(parse, volume, series)) { Performance = performance.Bind(parse) };
            return Run(output, settings, DeviceOption.Get(parse, device));
        });
        return cmd;
    }

    /// <summary>Everything <see cref="Run"/> needs, already parsed.</summary>
    internal sealed record PredictSettings(string Model, string Input, string Out, VolumePredictionOptions Prediction, ShardSpec Shard,
        bool Overwrite, int? Threads, int ReadAhead, VolumeReadOptions ReadOptions)
    {
        /// <summary>Precision, layout and cuDNN autotuning of the network (default fp32, NCHW).</summary>
        public PerformanceOptions Performance { get; init; } = PerformanceOptions.Default;
    }

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

    /// <summary>The prediction settings a completion record holds (a change means the old outputs are not this job's).</summary>
    /// <remarks>bf16 can change a few boundary voxels, so a bf16 job is not an fp32 job's continuation; fp32 records keep their old text.</remarks>
    internal static string SettingsText(VolumePredictionOptions o, PerformanceOptions? performance = null) =>
        string.Create(CultureInfo.InvariantCulture, $"tta={(o.FlipTta ? "true" : "false")};largest={(o.KeepLargestComponent ? "true" : "false")}") +
        (performance?.Precision is Precision.Bf16 ? ";precision=bf16" : "");

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
        var manifest = ModelArtifact.ReadManifest(s.Model);
        string fingerprint = CohortFingerprint.OfFiles([Path.Combine(s.Model, ModelArtifact.ManifestFile), Path.Combine(s.Model, manifest.WeightsFile)]);
        var cohortOutput = new CohortOutput(s.Out);
        var cases = CohortCases.Discover(s.Input, s.ReadOptions, exclude: cohortOutput.Directory);
        var job = new CohortPredictionJob(VolumeFormats.Default, cohortOutput, new CohortJobOptions
        {
            ModelFingerprint = fingerprint,
            Settings = SettingsText(s.Prediction, s.Performance),
            Shard = s.Shard,
            Overwrite = s.Overwrite,
            ReadAhead = s.ReadAhead,
            Tables = Tables,
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
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"predict: {cases.Count} case(s), shard {s.Shard} ({s.Shard.Select(cases).Count} case(s)), flip TTA {(s.Prediction.FlipTta ? "on" : "off")}, output {cohortOutput.Directory}"));
        var summary = CohortConsoleProgress.Run(output, s.Shard.Select(cases).Count, report => job.Run(cases,
            (image, id) => segmenter.Predict(image, s.Prediction, id).Labels, segmenter.Model.Classes, report));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"predicted {summary.Done}, skipped {summary.Skipped} (already done), failed {summary.Failed.Count} of {summary.Total} case(s) in {summary.Elapsed.TotalSeconds:F1} s"));
        foreach (var (caseId, error) in summary.Failed)
        {
            output.WriteLine($"failed: {caseId}: {Hint(error)}");
        }
        output.WriteLine(summary.Collected
            ? $"volumes: {cohortOutput.CohortTablePath("volumes")}"
            : "cohort tables not built yet: other shards still have cases to do (the last shard to finish builds them; or run 'thighseg collect --out DIR').");
        return summary.Failed.Count == 0 ? CliApp.ExitOk : ExitCasesFailedBase + Math.Min(summary.Failed.Count, 100);
    }

    /// <summary>Adds the flag that resolves a failure, where there is one.</summary>
    private static string Hint(string error) =>
        error.StartsWith("not replaced:", StringComparison.Ordinal) ? error + " (pass --overwrite to replace it)"
        : error.Contains("VolumeReadOptions.SeriesInstanceUid", StringComparison.Ordinal) ? error + " (pass --series UID)"
        : error.Contains("VolumeReadOptions.VolumeIndex", StringComparison.Ordinal) ? error + " (pass --volume N)"
        : error;
}
