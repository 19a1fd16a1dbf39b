// LabelEfficiency: the experiment API. How much does positional contrastive pretraining (PCL) help when only a few
// subjects are labelled? A synthetic dataset is written to disk in the dataset contract (manifest.csv, labels.json,
// NIfTI images and labels), then LabelEfficiencyExperiment pretrains, fine-tunes each method at each labelled-set size,
// predicts the test subjects and compares every method with random initialisation (mean Dice, Wilcoxon p-value).
// Run: dotnet run --project samples/LabelEfficiency [-- --quick]    (--quick, or THIGHSEG_SAMPLE_QUICK=1: seconds, for CI)
using System.Globalization;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Experiments;
using ThighSeg.IO;
using ThighSeg.Torch;

bool quick = args.Contains("--quick") || Environment.GetEnvironmentVariable("THIGHSEG_SAMPLE_QUICK") == "1";
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
string work = Path.Combine(Path.GetTempPath(), "thighseg-label-efficiency", Guid.NewGuid().ToString("N"));

// 1. A dataset on disk: unlabelled subjects for pretraining, labelled training subjects, labelled test subjects.
int unlabelled = quick ? 2 : 8, train = quick ? 2 : 4, test = quick ? 1 : 3;
var generator = new ThighPhantomGenerator(new PhantomOptions { MatrixSize = quick ? 64 : 128, MinSlices = quick ? 6 : 16, MaxSlices = quick ? 8 : 24 });
var entries = new List<ManifestEntry>();
for (int i = 0; i < unlabelled + train + test; i++)
{
    var s = generator.GenerateCohortMember(cohortSeed: 11, index: i);
    var split = i < unlabelled ? DatasetSplit.Unlabeled : i < unlabelled + train ? DatasetSplit.Train : DatasetSplit.Test;
    string image = Path.Combine(work, "images", s.SubjectId + ".nii.gz");
    string? label = split == DatasetSplit.Unlabeled ? null : Path.Combine(work, "labels", s.SubjectId + ".nii.gz");
    Directory.CreateDirectory(Path.GetDirectoryName(image)!);
    VolumeFormats.Default.WriteImage(image, s.Image);
    if (label is not null)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(label)!);
        VolumeFormats.Default.WriteLabels(label, s.Labels, ThighPhantomGenerator.LabelMap.Names);
    }
    entries.Add(new ManifestEntry(s.SubjectId, image, label, split));
}
string manifestPath = Path.Combine(work, "manifest.csv");
DatasetManifest.Write(manifestPath, entries);
ThighPhantomGenerator.LabelMap.Save(Path.Combine(work, Dataset.LabelMapFileName));
var dataset = Dataset.Open(manifestPath, new VolumeFormatsSource());

// 2. The experiment: random initialisation vs PCL, at each labelled-set size.
var network = new UNetOptions(baseFilters: quick ? 4 : 8, depth: 3);
var options = new ExperimentOptions
{
    Sizes = quick ? [1] : [1, 3],
    Methods = [InitMethod.Rnd, InitMethod.Pcl],
    Repeats = 1,
    Pretrain = new PretrainOptions { Method = ContrastiveMethod.Pcl, Network = network, EmbeddingDim = 32, Schedule = new TrainingSchedule { Epochs = quick ? 1 : 5, StepsPerEpoch = quick ? 2 : 10, BatchSize = quick ? 4 : 16, LearningRate = 0.1, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 0, LogInterval = 10 } },
    FineTune = new FineTuneOptions { Network = network, Augmentation = new AugmentationOptions(elasticProbability: 0), Schedule = new TrainingSchedule { Epochs = quick ? 1 : 40, StepsPerEpoch = quick ? 2 : 10, BatchSize = 8, LearningRate = 1e-2, MinLearningRate = 1e-4, WeightDecay = 1e-5, Seed = 0, LogInterval = 10 } },
    Preprocessing = new PreprocessingOptions { TargetSize = quick ? 32 : 64, TargetSpacingMm = quick ? 6 : 3 },
    ValidationCount = quick ? 0 : 1,
    Seed = 1,
    Device = ComputeDevice.Auto,
};
ExperimentResult result = new LabelEfficiencyExperiment(options).Run(dataset, Path.Combine(work, "experiment"), new StageProgress());

// 3. Results: mean Dice over the test subjects per method and size, and each method against random initialisation.
foreach (var row in result.Summary.Where(r => r.Label is null && r.Metric == "dice"))
{
    Console.WriteLine($"{row.Method.Name(),-6} S={row.Size}: mean Dice {row.Statistic.Mean:F3} ± {row.Statistic.StandardDeviation:F3} over {row.Statistic.Valid} test subjects");
}
foreach (var c in result.Comparisons)
{
    Console.WriteLine($"{c.Method.Name()} vs rnd at S={c.Size}: {c.MeanDice:F3} vs {c.MeanDiceRandom:F3} (paired Wilcoxon p = {c.PValue:F3}, {c.Subjects} subjects)");
}
Console.WriteLine($"Files: {string.Join(", ", result.Files.Keys)}; {result.Seconds:F1} s");
bool complete = result.Runs.Count == options.Sizes.Count * options.Methods.Count && result.Runs.All(r => r.Rows.Count > 0);
Directory.Delete(work, recursive: true);
return complete ? 0 : 1;

/// <summary>Prints each stage as it starts (synchronously, unlike Progress&lt;T&gt;); training steps are not printed.</summary>
internal sealed class StageProgress : IProgress<ExperimentProgress>
{
    public void Report(ExperimentProgress value)
    {
        if (value.Training is null)
        {
            Console.WriteLine($"  [{value.Completed}/{value.Total}] {value.Stage}");
        }
    }
}
