using System.CommandLine;
using System.Globalization;
using ThighSeg.Core;
using ThighSeg.Core.Data;
using ThighSeg.Core.Imaging;
using ThighSeg.Core.Quantification;
using ThighSeg.Core.Volumes;
using ThighSeg.IO;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg stats --labels FILE --out DIR [--image FILE] [--water W --fat F | --in-phase IP --opposed-phase OP | --ff-map M]</c>:
/// per-muscle, per-side volume, CSA, intensity and fat-fraction statistics of one case (muscle_statistics.csv,
/// csa_per_slice.csv, statistics.json; optionally preview.png and the side-specific labels). See docs/metrics.md.
/// </summary>
internal static class StatsCommand
{
    public static Command Create(TextWriter output)
    {
        var labels = new Option<string>("--labels") { Description = "Label volume (prediction or ground truth; both thighs may carry the same values).", Required = true };
        var names = new Option<string?>("--label-names") { Description = "labels.json naming the label values. Default: the names stored in the label file, else label_<v>." };
        var image = new Option<string?>("--image") { Description = "Image for intensity statistics (mean, median, SD) and the preview; resampled onto the label grid by world coordinates." };
        var water = new Option<string?>("--water") { Description = "Dixon water image (with --fat): FF = F / (W + F)." };
        var fat = new Option<string?>("--fat") { Description = "Dixon fat image (with --water)." };
        var inPhase = new Option<string?>("--in-phase") { Description = "Two-point Dixon in-phase magnitude (with --opposed-phase): water-dominant solution FF = (IP - |OP|) / (2 IP), at most 0.5." };
        var opposed = new Option<string?>("--opposed-phase") { Description = "Two-point Dixon opposed-phase magnitude (with --in-phase)." };
        var map = new Option<string?>("--ff-map") { Description = "Fat-fraction map (fractions 0..1; see --ff-map-percent)." };
        var percent = new Option<bool>("--ff-map-percent") { Description = "The --ff-map holds percent (0..100)." };
        var erode = new Option<double>("--erode-mm") { Description = "Erode each muscle mask by this distance (mm) before fat-fraction statistics.", DefaultValueFactory = _ => 0 };
        var level = new Option<double>("--level") { Description = "Relative level p (0 inferior .. 1 superior end of the labelled extent) of the reported CSA.", DefaultValueFactory = _ => 0.5 };
        var scheme = CreateSideScheme();
        var caseId = new Option<string?>("--case") { Description = "Case identifier in the tables. Default: the label file's name without extension." };
        var outDir = new Option<string>("--out") { Description = "Output folder (created if needed).", Required = true };
        var preview = new Option<bool>("--preview") { Description = "Also write preview.png: axial slices at 25/50/75 % and a coronal reformat with the labels and a legend." };
        var sided = new Option<string?>("--sided-labels") { Description = "Also write the side-specific label volume to this file (names <muscle>_right/_left in the NIfTI label extension and a .labels.json beside it)." };
        var cmd = new Command("stats", "Per-muscle, per-side volume (mL), cross-sectional area per slice, maximum and at a level, intensity, field-of-view flag and fat fraction of one labelled case.");
        foreach (var o in new Option[] { labels, names, image, water, fat, inPhase, opposed, map, percent, erode, level, scheme, caseId, outDir, preview, sided })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(parse =>
        {
            var req = new StatsRequest(parse.GetValue(labels)!, parse.GetValue(names), parse.GetValue(image), parse.GetValue(water), parse.GetValue(fat),
                parse.GetValue(inPhase), parse.GetValue(opposed), parse.GetValue(map), parse.GetValue(percent), parse.GetValue(erode), parse.GetValue(level),
                ParseScheme(parse.GetValue(scheme)!), parse.GetValue(caseId), parse.GetValue(outDir)!, parse.GetValue(preview), parse.GetValue(sided));
            Run(req, VolumeFormats.Default, output);
            return CliApp.ExitOk;
        });
        return cmd;
    }

    /// <summary>The <c>--side-scheme</c> option (stats and predict).</summary>
    internal static Option<string> CreateSideScheme() => new("--side-scheme")
    {
        Description = "Side-specific label values: 'offset' (right 100+v, left 200+v) or 'musclemap' (7101 vastus_lateralis_left, 7102 ..._right, ...).",
        DefaultValueFactory = _ => "offset",
    };

    /// <summary>Parses <c>--side-scheme</c>.</summary>
    internal static SideLabelScheme ParseScheme(string s) => s.ToLowerInvariant() switch
    {
        "offset" => SideLabelScheme.Offset,
        "musclemap" => SideLabelScheme.MuscleMap,
        _ => throw new UsageException($"--side-scheme must be 'offset' or 'musclemap', got '{s}'."),
    };

    /// <exception cref="UsageException">Missing files, incomplete pairs, more than one fat-fraction input, values out of range.</exception>
    public static void Validate(StatsRequest r)
    {
        foreach (var (flag, path) in new[] { ("--labels", r.Labels), ("--label-names", r.LabelNames), ("--image", r.Image), ("--water", r.Water), ("--fat", r.Fat),
            ("--in-phase", r.InPhase), ("--opposed-phase", r.OpposedPhase), ("--ff-map", r.FatFractionMap) })
        {
            if (path is not null && !File.Exists(path) && !Directory.Exists(path))
            {
                throw new UsageException($"{flag}: not found: {path}");
            }
        }
        if ((r.Water is null) != (r.Fat is null))
        {
            throw new UsageException("--water and --fat go together.");
        }
        if ((r.InPhase is null) != (r.OpposedPhase is null))
        {
            throw new UsageException("--in-phase and --opposed-phase go together.");
        }
        int methods = (r.Water is null ? 0 : 1) + (r.InPhase is null ? 0 : 1) + (r.FatFractionMap is null ? 0 : 1);
        if (methods > 1)
        {
            throw new UsageException("Give one fat-fraction input: --water/--fat, --in-phase/--opposed-phase or --ff-map.");
        }
        if (r.MapInPercent && r.FatFractionMap is null)
        {
            throw new UsageException("--ff-map-percent needs --ff-map.");
        }
        if (r.ErosionMm is < 0 or > 50 || double.IsNaN(r.ErosionMm))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--erode-mm must be in [0, 50], got {r.ErosionMm}."));
        }
        if (r.Level is < 0 or > 1 || double.IsNaN(r.Level))
        {
            throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--level must be in [0, 1], got {r.Level}."));
        }
        if (string.IsNullOrWhiteSpace(r.OutputDirectory) || File.Exists(r.OutputDirectory))
        {
            throw new UsageException($"--out must name a folder, got '{r.OutputDirectory}'.");
        }
        if (r.CaseId is not null && string.IsNullOrWhiteSpace(r.CaseId))
        {
            throw new UsageException("--case must not be empty.");
        }
    }

    /// <summary>Reads the inputs, computes and writes the statistics; returns them.</summary>
    public static CaseStatistics Run(StatsRequest r, VolumeFormats formats, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(formats);
        Validate(r);
        var loaded = formats.Read(r.Labels);
        var labels = VolumeSource.ToLabels(loaded.Image, r.Labels);
        LabelMap? map = r.LabelNames is not null ? LabelMap.Load(r.LabelNames)
            : loaded.LabelNames is { Count: > 0 } stored ? LabelMap.FromNames(stored.Where(kv => kv.Key != 0)) : null;
        Volume<float>? Read(string? path) => path is null ? null : formats.Read(path).Image;
        var image = Read(r.Image);
        FatFractionSource? ff = r.Water is not null ? FatFractionSource.FromWaterFat(Read(r.Water)!, Read(r.Fat)!)
            : r.InPhase is not null ? FatFractionSource.FromInOpposedPhase(Read(r.InPhase)!, Read(r.OpposedPhase)!)
            : r.FatFractionMap is not null ? FatFractionSource.FromMap(Read(r.FatFractionMap)!, r.MapInPercent)
            : null;
        string caseId = r.CaseId ?? SubjectIds.FromPath(r.Labels);
        var options = new QuantificationOptions { CaseId = caseId, ErosionMm = r.ErosionMm, RelativeLevel = r.Level, SideScheme = r.Scheme };
        CaseStatistics stats;
        try
        {
            stats = MuscleQuantifier.Compute(labels, map, image, ff, options);
        }
        catch (ArgumentException ex)
        {
            throw new ThighSegException($"{r.Labels}: {ex.Message}", ex);
        }
        var written = StatisticsTables.Write(r.OutputDirectory, [stats]).ToList();
        if (r.SidedLabels is not null)
        {
            formats.WriteLabels(r.SidedLabels, stats.Labels.Labels, stats.Labels.LabelMap.Names);
            string json = SidecarPath(r.SidedLabels);
            stats.Labels.LabelMap.Save(json);
            written.Add(r.SidedLabels);
            written.Add(json);
        }
        if (r.Preview)
        {
            var background = image ?? Read(r.Water) ?? Read(r.InPhase) ?? Read(r.FatFractionMap) ?? loaded.Image;
            string png = Path.Combine(r.OutputDirectory, "preview.png");
            PreviewRenderer.WriteCasePreview(png, Core.Quantification.WorldResampler.OntoGrid(background, stats.Labels.Labels), stats.Labels.Labels, stats.Labels.LabelMap,
                new PreviewOptions { Title = $"{caseId}: {Path.GetFileName(r.Labels)}" });
            written.Add(png);
        }
        foreach (var row in stats.Muscles.Where(m => m.Voxels > 0))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{row.LabelName,-34} {row.VolumeMl,9:F2} mL  max CSA {row.MaxCsaMm2,8:F1} mm²{(double.IsNaN(row.FatFractionMean) ? "" : $"  FF {row.FatFractionMean * 100,5:F1} %")}{(row.TouchesFovZ ? "  (touches the FOV in z)" : "")}"));
        }
        foreach (string path in written)
        {
            output.WriteLine($"wrote {path}");
        }
        return stats;
    }

    private static string SidecarPath(string volumePath) => Path.Combine(Path.GetDirectoryName(Path.GetFullPath(volumePath))!, SubjectIds.FromPath(volumePath) + ".labels.json");
}
