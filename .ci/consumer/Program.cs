// A minimal application that uses ThighSeg from its NuGet packages, on a machine where TorchSharp's native library
// needs the compatibility layer (Debian 12): it synthesises a tiny phantom, fine-tunes a tiny model for a few steps
// through the ML.NET estimator, saves it to an ML.NET zip, loads it in a fresh context, predicts a volume, and checks
// the predicted label map's geometry and that the loaded model predicts what the fitted one did. Exits non-zero on
// any failure.
using Microsoft.ML;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Preprocessing;
using ThighSeg.IO;
using ThighSeg.ML;
using ThighSeg.Torch;

Console.WriteLine(TorchBackend.Describe(ComputeDevice.Cpu));
string work = Path.Combine(Path.GetTempPath(), "thighseg-consumer-app", Guid.NewGuid().ToString("N"));
try
{
    var generator = new ThighPhantomGenerator(new PhantomOptions { MatrixSize = 64, MinSlices = 6, MaxSlices = 6 });
    var rows = new List<Scan>();
    for (int i = 0; i < 2; i++)
    {
        var s = generator.GenerateCohortMember(cohortSeed: 1, index: i);
        var scan = new Scan(Path.Combine(work, s.SubjectId + "_img.nii.gz"), Path.Combine(work, s.SubjectId + "_seg.nii.gz"));
        Directory.CreateDirectory(work);
        VolumeFormats.Default.WriteImage(scan.ImagePath, s.Image);
        VolumeFormats.Default.WriteLabels(scan.LabelPath, s.Labels, ThighPhantomGenerator.LabelMap.Names);
        rows.Add(scan);
    }

    var ml = new MLContext(seed: 1);
    var data = ml.Data.LoadFromEnumerable(rows);
    using var fitted = ml.ThighSeg().Segmentation(new SegmentationEstimator.Options
    {
        FineTune = new FineTuneOptions { Network = new UNetOptions(baseFilters: 4, depth: 3), ValidationFraction = 0, Schedule = FineTuneOptions.DefaultSchedule with { Epochs = 1, StepsPerEpoch = 4, BatchSize = 8 } },
        Preprocessing = new PreprocessingOptions { TargetSize = 32, TargetSpacingMm = 6 },
        OutputDirectory = Path.Combine(work, "fitted"),
        Device = ComputeDevice.Cpu,
    }).Fit(data);
    var first = fitted.Segment(rows[0].ImagePath);

    string zip = Path.Combine(work, "model.zip");
    ml.Model.Save(fitted, data.Schema, zip);
    var fresh = new MLContext(seed: 2);
    fresh.ThighSeg();
    using var loaded = (SegmentationTransformer)fresh.Model.Load(zip, out _);
    var predicted = fresh.Data.CreateEnumerable<Prediction>(loaded.Transform(fresh.Data.LoadFromEnumerable(rows.Take(1))), reuseRowObject: false).Single();

    var image = VolumeFormats.Default.Read(rows[0].ImagePath).Image;
    var mask = VolumeFormats.Default.Read(predicted.PredictedMaskPath);
    bool geometry = mask.Image.Shape == image.Shape && mask.Image.Affine.ApproximatelyEquals(image.Affine, 1e-5);
    bool identical = predicted.MuscleVolumesMl.SequenceEqual(first.VolumesMl)
        && mask.Image.Data.SequenceEqual(VolumeFormats.Default.Read(first.MaskPath).Image.Data);
    Console.WriteLine($"Predicted {predicted.PredictedMaskPath}: shape {mask.Image.Shape} (image {image.Shape}), geometry matches: {geometry}, " +
        $"{predicted.MuscleVolumesMl.Length} muscle volumes, loaded model identical: {identical}, names stored: {mask.LabelNames?.Count ?? 0}");
    return geometry && identical && predicted.MuscleVolumesMl.Length == loaded.MuscleNames.Count ? 0 : 1;
}
finally
{
    if (Directory.Exists(work))
    {
        Directory.Delete(work, recursive: true);
    }
}

internal sealed record Scan(string ImagePath, string LabelPath);

internal sealed class Prediction
{
    public string PredictedMaskPath { get; set; } = "";

    public float[] MuscleVolumesMl { get; set; } = [];
}
