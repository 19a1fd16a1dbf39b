using ThighSeg.Core.Volumes;
using ThighSeg.IO;

namespace ThighSeg.Cli.Tests.Support;

/// <summary>
/// A phantom cohort and a tiny fine-tuned model made through the CLI (synth, then one fine-tuning step of a 4-filter
/// U-Net at 32 px): the cheapest real model predict can load. Accuracy does not matter to the cohort tests, only that
/// the same model gives the same label maps.
/// </summary>
internal sealed class TinyCohort
{
    private TinyCohort(string images, string model, IReadOnlyList<string> imageFiles)
    {
        Images = images;
        Model = model;
        ImageFiles = imageFiles;
    }

    /// <summary>The synthesised images folder (NIfTI, one per subject).</summary>
    public string Images { get; }

    /// <summary>The fine-tuned model folder.</summary>
    public string Model { get; }

    /// <summary>The image files, sorted by name.</summary>
    public IReadOnlyList<string> ImageFiles { get; }

    /// <summary>Synthesises <paramref name="subjects"/> phantoms of <paramref name="size"/> px under <paramref name="dir"/> and fine-tunes the model.</summary>
    public static TinyCohort Create(string dir, int subjects, int size = 48)
    {
        string cohort = Path.Combine(dir, "synth");
        string model = Path.Combine(dir, "model");
        var s = CliRunner.Run("synth", "--out", cohort, "--subjects", subjects.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--labeled", "1", "--test", "1", "--size", size.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.That(s.Code, Is.Zero, s.Err);
        var f = CliRunner.Run("finetune", "--data", Path.Combine(cohort, "manifest.csv"), "--labeled", "1", "--init", "none", "--out", model,
            "--epochs", "1", "--steps-per-epoch", "1", "--batch", "2", "--validation", "0", "--filters", "4", "--size", "32", "--spacing", "6",
            "--norm", "instance", "--device", "cpu");
        Assert.That(f.Code, Is.Zero, f.Err + f.Out);
        string images = Path.Combine(cohort, "images");
        return new TinyCohort(images, model, Directory.EnumerateFiles(images, "*.nii.gz").Order(StringComparer.Ordinal).ToList());
    }

    /// <summary>
    /// Writes image <paramref name="index"/> stacked <paramref name="times"/> times along z to <paramref name="target"/>:
    /// a case that takes about <paramref name="times"/> times as long to predict, so that a test can stop a job while
    /// the network is busy with it (the job's records tell when the case before it is done).
    /// </summary>
    public void WriteSlow(int index, string target, int times = 24)
    {
        var image = VolumeFormats.Default.Read(ImageFiles[index]).Image;
        var data = new float[image.Data.Length * times];
        for (int t = 0; t < times; t++)
        {
            image.Data.CopyTo(data, t * image.Data.Length);
        }
        var shape = new VolumeShape(image.Shape.X, image.Shape.Y, image.Shape.Z * times);
        VolumeFormats.Default.WriteImage(target, new Volume<float>(shape, image.Affine, data));
    }
}
