using System.CommandLine;
using System.Globalization;
using System.Text;
using ThighSeg.Core;
using ThighSeg.Core.Metrics;
using ThighSeg.IO;
using ThighSeg.Torch.Inference;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg predict</c>: segments NIfTI files or DICOM series with a fine-tuned model. Writes one label map per input
/// in the input's exact geometry (<c>DIR/&lt;subject&gt;.nii.gz</c>, label names embedded) and <c>DIR/volumes.csv</c>.
/// </summary>
internal static class PredictCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "A fine-tuned model folder (manifest.json + weights).", Required = true };
        var input = new Option<string>("--input") { Description = "A NIfTI file, a DICOM series folder, or a folder of NIfTI files.", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output folder for <subject>.nii.gz label maps and volumes.csv.", Required = true };
        var tta = new Option<bool>("--tta") { Description = "Flip test-time augmentation (for models trained with flips)." };
        var largest = new Option<bool>("--largest-component") { Description = "Keep only the largest connected component of each label per thigh." };
        var device = DeviceOption.Create();
        var cmd = new Command("predict", "Segment the thigh muscles of NIfTI files or DICOM series with a fine-tuned model; label maps keep the input's geometry.");
        foreach (var o in new Option[] { model, input, outDir, tta, largest, device })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(parse => Run(output, parse.GetValue(model)!, parse.GetValue(input)!, parse.GetValue(outDir)!,
            new VolumePredictionOptions(parse.GetValue(tta), parse.GetValue(largest)), DeviceOption.Get(parse, device)));
        return cmd;
    }

    internal static int Run(TextWriter output, string modelDir, string input, string outDir, VolumePredictionOptions options, Torch.ComputeDevice device)
    {
        if (!Directory.Exists(modelDir))
        {
            throw new UsageException($"--model: folder not found: {modelDir}");
        }
        var inputs = Inputs(input);
        var formats = VolumeFormats.Default;
        using var segmenter = VolumeSegmenter.Load(modelDir, device);
        Directory.CreateDirectory(outDir);
        var names = segmenter.Model.Classes.Names;
        var csv = new StringBuilder("subject,label,label_name,volume_ml\n");
        foreach (var (subject, path) in inputs)
        {
            var loaded = formats.Read(path);
            var prediction = segmenter.Predict(loaded.Image, options, subject);
            string target = Path.Combine(outDir, subject + ".nii.gz");
            formats.WriteLabels(target, prediction.Labels, names);
            var foreground = segmenter.Model.Classes.Values.Where(v => v != 0).ToArray();
            var volumesMl = MuscleVolumes.VolumesMl(prediction.Labels, foreground);
            for (int i = 0; i < foreground.Length; i++)
            {
                int label = foreground[i];
                string name = names.TryGetValue(label, out var n) ? n : $"label_{label}";
                csv.Append(CultureInfo.InvariantCulture, $"{subject},{label},{name},{((double)volumesMl[i]).ToString("G6", CultureInfo.InvariantCulture)}\n");
            }
            output.WriteLine($"{subject}: {target}");
        }
        string volumes = Path.Combine(outDir, "volumes.csv");
        AtomicFile.WriteAllText(volumes, csv.ToString());
        output.WriteLine($"volumes: {volumes}");
        return CliApp.ExitOk;
    }

    /// <summary>(subject, path) pairs: one file, one DICOM folder, or every NIfTI file of a folder.</summary>
    internal static IReadOnlyList<(string Subject, string Path)> Inputs(string input)
    {
        if (File.Exists(input))
        {
            return [(SubjectName(input), input)];
        }
        if (!Directory.Exists(input))
        {
            throw new UsageException($"--input: no such file or folder: {input}");
        }
        var nifti = Directory.EnumerateFiles(input)
            .Where(f => f.EndsWith(".nii", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".nii.gz", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal)
            .Select(f => (SubjectName(f), f))
            .ToList();
        return nifti.Count > 0 ? nifti : [(Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(input))), input)];
    }

    internal static string SubjectName(string path)
    {
        string name = Path.GetFileName(path);
        foreach (var ext in new[] { ".nii.gz", ".nii", ".dcm" })
        {
            if (name.EndsWith(ext, StringComparison.OrdinalIgnoreCase))
            {
                return name[..^ext.Length];
            }
        }
        return name;
    }
}
