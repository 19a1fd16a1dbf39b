using System.CommandLine;
using System.Text.Json;
using ThighSeg.Core.Volumes;
using ThighSeg.IO;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg info &lt;file-or-dicom-folder&gt;</c>: one JSON object describing the volume: <c>shape</c> [x, y, z],
/// <c>spacing</c> [mm], <c>affine</c> (4 rows, RAS+), <c>axis_codes</c>, <c>datatype</c> (stored), and <c>min</c>,
/// <c>max</c>, <c>mean</c> of the scaled voxel values (NaN voxels ignored and counted in <c>nan_count</c>).
/// </summary>
internal static class InfoCommand
{
    public static Command Create(TextWriter output)
    {
        var input = new Argument<string>("input") { Description = "A NIfTI file (.nii, .nii.gz, .hdr/.img) or a DICOM series folder." };
        var volume = VolumeOptions.CreateVolume();
        var series = VolumeOptions.CreateSeries();
        var maxVoxels = VolumeOptions.CreateMaxVoxels();
        var maxDecompressed = VolumeOptions.CreateMaxDecompressedMb();
        var cmd = new Command("info", "Print a volume's shape, spacing, RAS affine, stored datatype and value range as one JSON object.");
        cmd.Arguments.Add(input);
        cmd.Options.Add(volume);
        cmd.Options.Add(series);
        cmd.Options.Add(maxVoxels);
        cmd.Options.Add(maxDecompressed);
        cmd.SetAction(parse =>
        {
            string path = parse.GetValue(input)!;
            var loaded = VolumeFormats.Default.Read(path, VolumeOptions.Read(parse, volume, series, maxVoxels, maxDecompressed));
            output.WriteLine(Describe(loaded));
            return CliApp.ExitOk;
        });
        return cmd;
    }

    /// <summary>The JSON text for a loaded volume.</summary>
    public static string Describe(LoadedVolume loaded)
    {
        var img = loaded.Image;
        double min = double.PositiveInfinity, max = double.NegativeInfinity, sum = 0;
        long finite = 0, nan = 0;
        foreach (float v in img.Data)
        {
            if (float.IsNaN(v))
            {
                nan++;
                continue;
            }
            finite++;
            sum += v;
            if (v < min) { min = v; }
            if (v > max) { max = v; }
        }
        string codes;
        try
        {
            codes = Orientation.AxisCodes(img.Affine);
        }
        catch (ArgumentException)
        {
            codes = "???";
        }
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            w.WriteString("source", loaded.Source);
            w.WriteStartArray("shape");
            w.WriteNumberValue(img.Shape.X);
            w.WriteNumberValue(img.Shape.Y);
            w.WriteNumberValue(img.Shape.Z);
            w.WriteEndArray();
            w.WriteStartArray("spacing");
            w.WriteNumberValue(img.Spacing.X);
            w.WriteNumberValue(img.Spacing.Y);
            w.WriteNumberValue(img.Spacing.Z);
            w.WriteEndArray();
            w.WriteStartArray("affine");
            for (int r = 0; r < 4; r++)
            {
                w.WriteStartArray();
                for (int c = 0; c < 4; c++)
                {
                    w.WriteNumberValue(img.Affine[r, c]);
                }
                w.WriteEndArray();
            }
            w.WriteEndArray();
            w.WriteString("axis_codes", codes);
            w.WriteString("datatype", loaded.StoredType.Name);
            Number(w, "min", finite > 0 ? min : double.NaN);
            Number(w, "max", finite > 0 ? max : double.NaN);
            Number(w, "mean", finite > 0 ? sum / finite : double.NaN);
            w.WriteNumber("nan_count", nan);
            if (loaded.LabelNames is { Count: > 0 } names)
            {
                w.WriteStartObject("label_names");
                foreach (var (value, name) in names)
                {
                    w.WriteString(value.ToString(System.Globalization.CultureInfo.InvariantCulture), name);
                }
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(ms.ToArray());
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
