using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using ThighSeg.Core;
using ThighSeg.Core.Data;
using ThighSeg.Core.Imaging;
using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Quantification;
using ThighSeg.Core.Tables;
using ThighSeg.IO;

namespace ThighSeg.Cli.Commands;

/// <summary><c>thighseg synth</c>: writes a synthetic thigh-MRI cohort in the dataset layout (images, labels, labels.json, manifest.csv, montage.png).</summary>
internal static class SynthCommand
{
    /// <summary>Family names of <c>--family</c>.</summary>
    public const string ThighFamily = "thigh", ContourFamily = "contour";

    public static Command Create(TextWriter output, Func<IVolumeWriter> writer)
    {
        var outOpt = new Option<string>("--out") { Description = "Output folder (created if needed).", Required = true };
        var subjects = new Option<int>("--subjects") { Description = "Subjects in total.", DefaultValueFactory = _ => 30 };
        var labeled = new Option<int>("--labeled") { Description = "Labelled training subjects (split 'train').", DefaultValueFactory = _ => 10 };
        var test = new Option<int>("--test") { Description = "Labelled test subjects (split 'test'); the rest are 'unlabeled'.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Cohort seed; the same seed gives the same cohort.", DefaultValueFactory = _ => 1 };
        var size = new Option<int>("--size") { Description = "In-plane matrix size (left-right) in pixels, 32..1024 (default 256 for thigh, 192 for contour).", DefaultValueFactory = _ => 256 };
        var dixon = new Option<bool>("--dixon") { Description = "Also write Dixon water and fat images with a known per-muscle, per-side fat fraction: dixon/<subject>_water|_fat|_ff.nii.gz and dixon/fat_fraction_truth.csv (thigh family)." };
        var family = new Option<string>("--family")
        {
            Description = "Phantom family: 'thigh' (ellipse anatomy, 20-80 slices) or 'contour' (an independent family: polar-placed deformed ellipses, Size x Size/2 matrix at 1.4-1.7 mm, 5-6 mm slices, 24-48 slices, 30% stored LPS).",
            DefaultValueFactory = _ => ThighFamily,
        };
        family.AcceptOnlyFromAmong(ThighFamily, ContourFamily);
        var cmd = new Command("synth", "Write a synthetic T1-weighted thigh MRI cohort (both thighs, 13 labelled muscles) with manifest.csv, labels.json and a montage.");
        foreach (var o in new Option[] { outOpt, subjects, labeled, test, seed, size, dixon, family })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(parse =>
        {
            string fam = parse.GetValue(family)!;
            int sz = fam == ContourFamily && parse.GetResult(size) is null or { Implicit: true } ? 192 : parse.GetValue(size);
            var req = new SynthRequest(parse.GetValue(outOpt)!, parse.GetValue(subjects), parse.GetValue(labeled), parse.GetValue(test),
                parse.GetValue(seed), sz, parse.GetValue(dixon), fam);
            if (req.Dixon && fam == ContourFamily)
            {
                throw new UsageException("--dixon: Dixon images are written for the 'thigh' family only (--family thigh).");
            }
            Validate(req);
            Run(req, writer(), output);
            return CliApp.ExitOk;
        });
        return cmd;
    }

    /// <exception cref="UsageException">Counts or size out of range.</exception>
    public static void Validate(SynthRequest r)
    {
        if (string.IsNullOrWhiteSpace(r.OutputDirectory))
        {
            throw new UsageException("--out must name a folder.");
        }
        if (r.Subjects < 1)
        {
            throw new UsageException($"--subjects must be at least 1, got {r.Subjects}.");
        }
        if (r.Labeled < 0 || r.Test < 0)
        {
            throw new UsageException($"--labeled and --test must not be negative, got {r.Labeled} and {r.Test}.");
        }
        if (r.Labeled + r.Test > r.Subjects)
        {
            throw new UsageException($"--labeled ({r.Labeled}) plus --test ({r.Test}) exceeds --subjects ({r.Subjects}).");
        }
        if (r.Family is not (ThighFamily or ContourFamily))
        {
            throw new UsageException($"--family must be '{ThighFamily}' or '{ContourFamily}', got '{r.Family}'.");
        }
        if (r.Size is < 32 or > 1024)
        {
            throw new UsageException($"--size must be in [32, 1024], got {r.Size}.");
        }
    }

    /// <summary>Generates and writes the cohort. Subjects are generated and written in parallel; the files depend only on the request.</summary>
    public static TimeSpan Run(SynthRequest r, IVolumeWriter writer, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var sw = Stopwatch.StartNew();
        string root = Path.GetFullPath(r.OutputDirectory);
        OutputGuard.RequireEmptyFolder(root, "--out", allowNonEmpty: false, "synth writes a whole cohort and never mixes it with existing files: choose a new folder or remove this one.");
        string images = Path.Combine(root, "images"), labels = Path.Combine(root, "labels");
        Directory.CreateDirectory(images);
        Directory.CreateDirectory(labels);
        if (!writer.CanWrite(Path.Combine(images, "x.nii.gz")))
        {
            throw new ThighSegException($"The volume writer '{writer.FormatName}' cannot write .nii.gz files.");
        }
        Func<int, int, PhantomSubject> generate = r.Family == ContourFamily
            ? new ContourPhantomGenerator(new ContourPhantomOptions { MatrixX = r.Size, MatrixY = Math.Max(16, r.Size / 2) }).GenerateCohortMember
            : new ThighPhantomGenerator(new PhantomOptions { MatrixSize = r.Size, Dixon = r.Dixon }).GenerateCohortMember;
        string dixonDir = Path.Combine(root, "dixon");
        var truth = new IReadOnlyList<PhantomFatTruth>?[r.Subjects];
        var names = ThighPhantomGenerator.LabelMap.Names;
        var entries = new ManifestEntry[r.Subjects];
        var shapes = new string[r.Subjects];
        PhantomSubject? first = null;
        try
        {
            WriteSubjects();
        }
        catch (AggregateException ex)
        {
            // Parallel.For wraps what the writers threw; report the first cause (a full disk, a permission) plainly.
            Exception cause = ex.Flatten().InnerExceptions[0];
            throw cause is ThighSegException or IOException or UnauthorizedAccessException
                ? new ThighSegException($"synth: writing the cohort to {root} failed: {cause.Message}", cause)
                : cause;
        }
        void WriteSubjects() => Parallel.For(0, r.Subjects, new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, Environment.ProcessorCount) }, i =>
        {
            var s = generate(r.Seed, i);
            var split = i < r.Labeled ? DatasetSplit.Train : i < r.Labeled + r.Test ? DatasetSplit.Test : DatasetSplit.Unlabeled;
            string imagePath = Path.Combine(images, s.SubjectId + ".nii.gz");
            writer.WriteImage(imagePath, s.Image);
            string? labelPath = null;
            if (split != DatasetSplit.Unlabeled)
            {
                labelPath = Path.Combine(labels, s.SubjectId + ".nii.gz");
                writer.WriteLabels(labelPath, s.Labels, names);
            }
            entries[i] = new ManifestEntry(s.SubjectId, imagePath, labelPath, split);
            if (s.Dixon is { } d)
            {
                Directory.CreateDirectory(dixonDir);
                writer.WriteImage(Path.Combine(dixonDir, s.SubjectId + "_water.nii.gz"), d.Water);
                writer.WriteImage(Path.Combine(dixonDir, s.SubjectId + "_fat.nii.gz"), d.Fat);
                writer.WriteImage(Path.Combine(dixonDir, s.SubjectId + "_ff.nii.gz"), d.FatFraction);
                truth[i] = d.Truth;
            }
            var (sx, _, sz) = s.Image.Spacing;
            shapes[i] = string.Create(CultureInfo.InvariantCulture, $"{s.SubjectId} {DatasetManifest.SplitName(split),-9} {s.Image.Shape} {sx:F2}x{sx:F2}x{sz:F2} mm levels {s.Parameters.FirstLevel:F2}-{s.Parameters.LastLevel:F2} {s.Parameters.StoredOrientation}");
            if (i == 0)
            {
                first = s;
            }
        });
        ThighPhantomGenerator.LabelMap.Save(Path.Combine(root, Dataset.LabelMapFileName));
        DatasetManifest.Write(Path.Combine(root, "manifest.csv"), entries);
        if (r.Dixon)
        {
            var table = new CsvWriter(["subject", "label", "muscle", "side", "label_name", "voxels", "volume_ml", "fat_fraction"]);
            for (int i = 0; i < r.Subjects; i++)
            {
                foreach (var t in truth[i]!)
                {
                    table.AddRow(entries[i].Subject, t.Label, t.Muscle, StatisticsTables.SideName(t.Side), SideLabels.Name(t.Muscle, t.Side), t.Voxels, t.VolumeMl, t.FatFraction);
                }
            }
            table.WriteAtomically(Path.Combine(dixonDir, "fat_fraction_truth.csv"));
        }
        int scale = Math.Clamp((int)Math.Ceiling(320.0 / r.Size), 1, 8);
        var montage = LabelOverlay.Montage(first!.Image, first.Labels, [0.1, 0.37, 0.63, 0.9], scale);
        PngEncoder.WriteRgb(Path.Combine(root, "montage.png"), montage.Width, montage.Height, montage.Rgb);
        foreach (string line in shapes)
        {
            output.WriteLine(line);
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"wrote {r.Subjects} subjects ({r.Labeled} train, {r.Test} test, {r.Subjects - r.Labeled - r.Test} unlabeled) to {root} in {sw.Elapsed.TotalSeconds:F1} s"));
        return sw.Elapsed;
    }
}
