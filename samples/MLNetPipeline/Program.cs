// MLNetPipeline: ThighSeg through ML.NET. An IDataView of image/label paths goes through two estimators
// (encoder pretraining, then segmentation), the fitted transformer adds a predicted-mask-path column and a
// per-muscle volume column (mL) that are queried as rows, and the model is saved to and loaded from an ML.NET zip.
// Run: dotnet run --project samples/MLNetPipeline [-- --quick]    (--quick, or THIGHSEG_SAMPLE_QUICK=1: seconds, for CI)
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Microsoft.ML.Runtime;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Preprocessing;
using ThighSeg.IO;
using ThighSeg.ML;

bool quick = args.Contains("--quick") || Environment.GetEnvironmentVariable("THIGHSEG_SAMPLE_QUICK") == "1";
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
string work = Path.Combine(Path.GetTempPath(), "thighseg-mlnet-sample", Guid.NewGuid().ToString("N"));

// A small phantom cohort written as NIfTI files, as a user's data would be.
var generator = new ThighPhantomGenerator(new PhantomOptions { MatrixSize = quick ? 64 : 128, MinSlices = quick ? 6 : 16, MaxSlices = quick ? 8 : 24 });
var train = new List<Scan>();
var test = new List<Scan>();
for (int i = 0; i < (quick ? 3 : 6); i++)
{
    var s = generator.GenerateCohortMember(cohortSeed: 3, index: i);
    var scan = new Scan(Path.Combine(work, "images", s.SubjectId + ".nii.gz"), Path.Combine(work, "labels", s.SubjectId + ".nii.gz"));
    Directory.CreateDirectory(Path.GetDirectoryName(scan.ImagePath)!);
    Directory.CreateDirectory(Path.GetDirectoryName(scan.LabelPath)!);
    VolumeFormats.Default.WriteImage(scan.ImagePath, s.Image);
    VolumeFormats.Default.WriteLabels(scan.LabelPath, s.Labels, ThighPhantomGenerator.LabelMap.Names);
    (i < (quick ? 2 : 4) ? train : test).Add(scan);
}

var mlContext = new MLContext(seed: 1);              // the context's seed makes the run reproducible
mlContext.Log += (_, e) =>
{
    if (e.Kind == ChannelMessageKind.Info && e.Source.Contains("Estimator", StringComparison.Ordinal))
    {
        Console.WriteLine($"  [{e.Source}] {e.RawMessage}");
    }
};
IDataView trainData = mlContext.Data.LoadFromEnumerable(train);
IDataView testData = mlContext.Data.LoadFromEnumerable(test);

var network = new UNetOptions(baseFilters: quick ? 4 : 8, depth: 3);
var preprocessing = new PreprocessingOptions { TargetSize = quick ? 32 : 64, TargetSpacingMm = quick ? 6 : 3 };

// 1. Pretrain an encoder (PCL) on the image column; labels are not used.
using var encoder = mlContext.ThighSeg().PretrainEncoder(new EncoderPretrainingEstimator.Options
{
    Pretrain = new PretrainOptions { Method = ContrastiveMethod.Pcl, Network = network, EmbeddingDim = 32, Schedule = new TrainingSchedule { Epochs = quick ? 2 : 5, StepsPerEpoch = quick ? 2 : 10, BatchSize = 16, LearningRate = 0.1, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 0, LogInterval = 10 } },
    Preprocessing = preprocessing,
}).Fit(trainData);

// 2. Fine-tune a segmenter from that encoder on image + label columns.
var estimator = mlContext.ThighSeg().Segmentation(new SegmentationEstimator.Options
{
    PretrainedEncoderDirectory = encoder.ModelDirectory,
    FineTune = new FineTuneOptions { Network = network, ValidationFraction = 0, Augmentation = new AugmentationOptions(elasticProbability: 0), Schedule = new TrainingSchedule { Epochs = quick ? 2 : 60, StepsPerEpoch = quick ? 3 : 10, BatchSize = 8, LearningRate = 1e-2, MinLearningRate = 1e-4, WeightDecay = 1e-5, Seed = 0, LogInterval = 10 } },
    Preprocessing = preprocessing,
    OutputDirectory = Path.Combine(work, "predictions"),
});
using SegmentationTransformer model = estimator.Fit(trainData);

// 3. Transform the test rows and read the results as rows; the volume column's slot names are the muscle names.
IDataView predictions = model.Transform(testData);
VBuffer<ReadOnlyMemory<char>> slotNames = default;
predictions.Schema[DefaultColumnNames.MuscleVolumesMl].Annotations.GetValue("SlotNames", ref slotNames);
string[] muscles = slotNames.DenseValues().Select(n => n.ToString()).ToArray();
var rows = mlContext.Data.CreateEnumerable<PredictionRow>(predictions, reuseRowObject: false).ToList();
foreach (var row in rows)
{
    var largest = row.MuscleVolumesMl.Select((v, i) => (muscles[i], v)).OrderByDescending(t => t.v).Take(3);
    Console.WriteLine($"{Path.GetFileName(row.ImagePath)} -> {row.PredictedMaskPath}; largest: {string.Join(", ", largest.Select(t => $"{t.Item1} {t.v:F1} mL"))}");
}

// 4. Save through ML.NET (weights and manifest travel inside the zip), load into a fresh context, predict again.
string zip = Path.Combine(work, "thighseg-model.zip");
mlContext.Model.Save(model, trainData.Schema, zip);
var other = new MLContext(seed: 2);
other.ThighSeg();                                    // registers ThighSeg's loaders with this context
using var loaded = (SegmentationTransformer)other.Model.Load(zip, out _);
var reloaded = other.Data.CreateEnumerable<PredictionRow>(loaded.Transform(other.Data.LoadFromEnumerable(test)), reuseRowObject: false).ToList();
bool identical = rows.Zip(reloaded).All(p => p.First.MuscleVolumesMl.SequenceEqual(p.Second.MuscleVolumesMl));
Console.WriteLine($"Saved {new FileInfo(zip).Length / 1024} KiB; reloaded model predicts identically: {identical}");

Directory.Delete(work, recursive: true);
return identical && rows.Count == test.Count ? 0 : 1;

/// <summary>An input row: paths of an image and its label map.</summary>
internal sealed record Scan(string ImagePath, string LabelPath);

/// <summary>An output row, as ML.NET fills it from the transformed data.</summary>
internal sealed class PredictionRow
{
    public string ImagePath { get; set; } = "";

    public string PredictedMaskPath { get; set; } = "";

    public float[] MuscleVolumesMl { get; set; } = [];
}
