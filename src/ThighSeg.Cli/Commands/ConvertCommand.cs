using System.CommandLine;
using ThighSeg.Core;
using ThighSeg.IO;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg convert &lt;file-or-dicom-folder&gt; &lt;out.nii[.gz]&gt;</c>: writes the volume as NIfTI with the same
/// geometry and the same (scaled) values: float32, or with <c>--labels</c> (or when the input carries label names) an
/// integer label map in the smallest type that fits, with its label names.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create(TextWriter output)
    {
        var input = new Argument<string>("input") { Description = "A NIfTI file (.nii, .nii.gz, .hdr/.img) or a DICOM series folder." };
        var target = new Argument<string>("output") { Description = "The NIfTI file to write (.nii or .nii.gz); replaced atomically if it exists." };
        var labels = new Option<bool>("--labels") { Description = "Write an integer label map (every value must be a whole number)." };
        var volume = VolumeOptions.CreateVolume();
        var series = VolumeOptions.CreateSeries();
        var maxVoxels = VolumeOptions.CreateMaxVoxels();
        var maxDecompressed = VolumeOptions.CreateMaxDecompressedMb();
        var cmd = new Command("convert", "Convert a volume (NIfTI or DICOM series) to NIfTI with the same geometry and values.");
        cmd.Arguments.Add(input);
        cmd.Arguments.Add(target);
        cmd.Options.Add(labels);
        cmd.Options.Add(volume);
        cmd.Options.Add(series);
        cmd.Options.Add(maxVoxels);
        cmd.Options.Add(maxDecompressed);
        cmd.SetAction(parse =>
        {
            string from = parse.GetValue(input)!;
            string to = parse.GetValue(target)!;
            var formats = VolumeFormats.Default;
            var writer = formats.WriterFor(to);
            OutputGuard.RefuseInputs(to, "output", (from, "input"));
            var loaded = formats.Read(from, VolumeOptions.Read(parse, volume, series, maxVoxels, maxDecompressed));
            bool asLabels = parse.GetValue(labels) || loaded.LabelNames is { Count: > 0 };
            if (asLabels)
            {
                var ints = new int[loaded.Image.Data.Length];
                for (int i = 0; i < ints.Length; i++)
                {
                    float v = loaded.Image.Data[i];
                    if (v != MathF.Round(v) || v < int.MinValue || v >= 2147483648f)
                    {
                        throw new UsageException($"--labels needs whole-number voxel values, but {from} has {v} at voxel {i}.");
                    }
                    ints[i] = (int)v;
                }
                writer.WriteLabels(to, loaded.Image.WithData(ints), loaded.LabelNames);
            }
            else
            {
                writer.WriteImage(to, loaded.Image);
            }
            output.WriteLine($"wrote {to}: {loaded.Image.Shape} {(asLabels ? "label map" : "float32 image")} from {from} ({loaded.StoredType})");
            return CliApp.ExitOk;
        });
        return cmd;
    }
}
