// QuickStart: ThighSeg's library API end to end on a small synthetic cohort, all in memory.
//   synthesise phantoms -> prepare (network space) -> pretrain an encoder with PCL -> fine-tune on a few labelled
//   subjects -> predict held-out subjects in their original geometry -> evaluate (Dice, HD95).
// Run: dotnet run --project samples/QuickStart [-- --quick]    (--quick, or THIGHSEG_SAMPLE_QUICK=1: seconds, for CI)
using System.Diagnostics;
using System.Globalization;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Metrics;
using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Torch;
using ThighSeg.Torch.Training;

bool quick = args.Contains("--quick") || Environment.GetEnvironmentVariable("THIGHSEG_SAMPLE_QUICK") == "1";
CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
var clock = Stopwatch.StartNew();

// 0. TorchSharp's native library (with ThighSeg's compatibility layer on older Linux distributions).
TorchBackend.Initialize();
var device = ComputeDevice.Auto;
Console.WriteLine($"Backend: {TorchBackend.Describe(device)}");

// 1. A synthetic cohort: unlabelled subjects for pretraining, a few labelled ones, and held-out test subjects.
int unlabelled = quick ? 3 : 8, labelled = quick ? 2 : 4, test = quick ? 1 : 2;
var generator = new ThighPhantomGenerator(new PhantomOptions { MatrixSize = quick ? 64 : 128, MinSlices = quick ? 6 : 16, MaxSlices = quick ? 8 : 24 });
var subjects = Enumerable.Range(0, unlabelled + labelled + test).Select(i => generator.GenerateCohortMember(cohortSeed: 7, index: i)).ToList();
Console.WriteLine($"Synthesised {subjects.Count} subjects ({subjects[0].Image.Shape} voxels for the first).");

// 2. Network space: canonical orientation, thighs split (left mirrored), resampled to a fixed square.
var preprocessor = new Preprocessor(new PreprocessingOptions { TargetSize = quick ? 32 : 64, TargetSpacingMm = quick ? 6 : 3 });
var unlabelledStacks = subjects.Take(unlabelled).SelectMany(s => preprocessor.Prepare(s.Image, null, s.SubjectId).Stacks).ToList();
var labelledStacks = subjects.Skip(unlabelled).Take(labelled).SelectMany(s => preprocessor.Prepare(s.Image, s.Labels, s.SubjectId).Stacks).ToList();
var network = new UNetOptions(baseFilters: quick ? 4 : 8, depth: 3);

// 3. Positional contrastive pretraining of the encoder on the unlabelled slices.
string encoderDir = Path.Combine(Path.GetTempPath(), "thighseg-quickstart", Guid.NewGuid().ToString("N"));
var pretrainer = new ContrastivePretrainer(new PretrainOptions { Method = ContrastiveMethod.Pcl, Network = network, EmbeddingDim = 32, Threshold = 0.1, Schedule = new TrainingSchedule { Epochs = quick ? 2 : 5, StepsPerEpoch = quick ? 2 : 10, BatchSize = 16, LearningRate = 0.1, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 1, LogInterval = 10 } }, device);
var pretrained = pretrainer.Pretrain(unlabelledStacks, encoderDir);
Console.WriteLine($"Pretrained: {pretrained.Steps} steps, loss {pretrained.LossHistory[0]:F3} -> {pretrained.FinalLoss:F3}");

// 4. Fine-tuning on the labelled subjects, starting from the pretrained encoder.
var segmenter = new UNetSegmenter(new FineTuneOptions { Network = network, ValidationFraction = 0, Augmentation = new AugmentationOptions(elasticProbability: 0), Schedule = new TrainingSchedule { Epochs = quick ? 2 : 60, StepsPerEpoch = quick ? 3 : 10, BatchSize = 8, LearningRate = 1e-2, MinLearningRate = 1e-4, WeightDecay = 1e-5, Seed = 1, LogInterval = 10 } }, device);
var fineTuned = segmenter.FineTune(labelledStacks, pretrainedEncoder: encoderDir);
using var model = fineTuned.Model;
Console.WriteLine($"Fine-tuned: loss {fineTuned.LossHistory[0]:F3} -> {fineTuned.LossHistory[^1]:F3}; {model.Classes.Count - 1} muscles");

// 5. Predict each held-out subject in its own geometry, and 6. evaluate against its reference labels.
var evaluator = new SegmentationEvaluator(new EvaluationOptions { LabelNames = ThighPhantomGenerator.LabelMap.Names });
var rows = new List<SubjectMetrics>();
foreach (var s in subjects.Skip(unlabelled + labelled))
{
    var prepared = preprocessor.Prepare(s.Image, null, s.SubjectId);
    var stackLabels = prepared.Stacks.Select(stack => model.Predict(stack).Labels).ToList();
    var prediction = Preprocessor.Restore(prepared, stackLabels);
    if (prediction.Shape != s.Image.Shape || !prediction.Affine.ApproximatelyEquals(s.Image.Affine))
    {
        Console.Error.WriteLine($"{s.SubjectId}: prediction geometry differs from the image's.");
        return 1;
    }
    var metrics = evaluator.Evaluate(s.SubjectId, s.Labels, prediction);
    rows.AddRange(metrics);
    Console.WriteLine($"{s.SubjectId}: mean Dice {metrics.Select(m => m.Dice).Where(double.IsFinite).DefaultIfEmpty(0).Average():F3} over {metrics.Count} muscles");
}
var overall = MetricAggregation.Summarize(rows).Where(m => m.Label is null && m.Metric is "dice" or "hd95_mm");
foreach (var m in overall)
{
    Console.WriteLine($"All test subjects, {m.Metric}: {m.Statistic.Mean:F3} ± {m.Statistic.StandardDeviation:F3}");
}
Directory.Delete(encoderDir, recursive: true);
Console.WriteLine($"QuickStart finished in {clock.Elapsed.TotalSeconds:F1} s.");
return 0;
