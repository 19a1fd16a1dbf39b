using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Augmentation;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using ThighSeg.Torch.Training;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Tests;

/// <summary>Synchronous progress sink (Progress&lt;T&gt; posts asynchronously).</summary>
internal sealed class SyncProgress(Action<TrainingProgress> onReport) : IProgress<TrainingProgress>
{
    public void Report(TrainingProgress value) => onReport(value);
}

public class TrainingTests
{
    private static readonly UNetOptions Tiny = new(baseFilters: 4, depth: 3);

    private static PretrainOptions TinyPretrain(int epochs = 3, ContrastiveMethod method = ContrastiveMethod.Pcl, int seed = 7) =>
        new()
        {
            Method = method,
            Network = Tiny,
            EmbeddingDim = 16,
            Threshold = 0.2,
            Augmentation = new AugmentationOptions(),
            Schedule = new TrainingSchedule { Epochs = epochs, StepsPerEpoch = 3, BatchSize = 8, LearningRate = 0.05, Seed = seed, LogInterval = 1000 },
        };

    internal static double ForegroundDice(int[] reference, int[] predicted, int label)
    {
        long inter = 0, a = 0, b = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            bool r = reference[i] == label, p = predicted[i] == label;
            inter += r && p ? 1 : 0;
            a += r ? 1 : 0;
            b += p ? 1 : 0;
        }
        return 2.0 * inter / (a + b);
    }

    [Test]
    [Category("Slow")] // 60 epochs: about 15 s on a loaded 2-core machine
    public void UNet_OverfitsOneLabelledBatch_ToDiceAbove095()
    {
        var stack = Synthetic.Stack("s0", size: 32, depth: 8, seed: 3);
        var seg = new UNetSegmenter(new FineTuneOptions { Network = new UNetOptions(8, 3), ValidationFraction = 0, Augmentation = AugmentationOptions.None, Schedule = new TrainingSchedule { Epochs = 60, StepsPerEpoch = null, BatchSize = 8, LearningRate = 1e-2, MinLearningRate = 1e-3, WeightDecay = 1e-5, Seed = 1, LogInterval = 10 } }, ComputeDevice.Cpu);
        var result = seg.FineTune([stack]);
        using var model = result.Model;
        var pred = model.Predict(stack, withProbabilities: true);
        Assert.That(model.Classes.Values, Is.EqualTo(new[] { 0, 7101, 7201 }));
        Assert.That(ForegroundDice(stack.Labels!, pred.Labels, 7101), Is.GreaterThan(0.95));
        Assert.That(ForegroundDice(stack.Labels!, pred.Labels, 7201), Is.GreaterThan(0.95));
        Assert.That(pred.Probabilities, Has.Count.EqualTo(3));
        Assert.That(pred.Probabilities![0][0] + pred.Probabilities[1][0] + pred.Probabilities[2][0], Is.EqualTo(1).Within(1e-4));
        Assert.That(result.LossHistory[^1], Is.LessThan(result.LossHistory[0]));
    }

    [Test]
    public void Pretraining_LossFalls([Values] ContrastiveMethod method)
    {
        string dir = TestSetup.TempDir();
        var o = new PretrainOptions { Method = method, Network = Tiny, EmbeddingDim = 16, Threshold = 0.2, Augmentation = AugmentationOptions.None, Schedule = new TrainingSchedule { Epochs = 8, StepsPerEpoch = 3, BatchSize = 8, LearningRate = 0.05, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 3, LogInterval = 1000 } };
        var result = new ContrastivePretrainer(o, ComputeDevice.Cpu).Pretrain(Synthetic.Cohort(4, seed: 2, labelled: false), dir);
        TestContext.Out.WriteLine($"{method}: {string.Join(", ", result.LossHistory.Select(v => v.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)))}");
        double first = result.LossHistory.Take(2).Average(), last = result.LossHistory.TakeLast(2).Average();
        Assert.That(last, Is.LessThan(first * 0.9));
        Assert.That(File.Exists(Path.Combine(dir, ModelArtifact.ManifestFile)), Is.True);
        Assert.That(ModelArtifact.ReadManifest(dir).Kind, Is.EqualTo(ModelKind.Encoder));
    }

    [Test]
    public void ScannerPositions_StacksWithoutZ_AreRefusedBeforeAnythingIsWritten_IndexPositionsTrainThem()
    {
        var noZ = Synthetic.Cohort(3, labelled: false).Select(s => new SliceStack(s.SubjectId, s.Part, s.Width, s.Height, s.Depth, s.Image, null)).ToList();
        string dir = Path.Combine(TestSetup.TempDir(), "encoder");
        var ex = Assert.Throws<DatasetException>(() => new ContrastivePretrainer(TinyPretrain(epochs: 1), ComputeDevice.Cpu).Pretrain(noZ, dir));
        Assert.Multiple(() =>
        {
            Assert.That(ex!.Message, Does.Contain("'s00'"));
            Assert.That(Directory.Exists(dir), Is.False);
        });
        var result = new ContrastivePretrainer(TinyPretrain(epochs: 1) with { Positions = PositionSource.SliceIndex }, ComputeDevice.Cpu).Pretrain(noZ, dir);
        Assert.That(result.Steps, Is.EqualTo(3));
    }

    [Test]
    public void PretrainedEncoderWeights_ArriveInTheSegmenter()
    {
        string dir = TestSetup.TempDir();
        new ContrastivePretrainer(TinyPretrain(epochs: 1), ComputeDevice.Cpu).Pretrain(Synthetic.Cohort(3, labelled: false), dir);
        using var pretrained = new UNetEncoder(Tiny);
        ModelArtifact.LoadWeights(dir, ModelArtifact.ReadManifest(dir), pretrained);

        // A learning rate so small that one Adam step moves no weight by more than ~1e-12.
        var seg = new UNetSegmenter(new FineTuneOptions { Network = Tiny, ValidationFraction = 0, Schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = 1, BatchSize = 4, LearningRate = 1e-12, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 99, LogInterval = 10 } }, ComputeDevice.Cpu);
        var fromPretrained = seg.FineTune(Synthetic.Cohort(1), pretrainedEncoder: dir);
        var fromRandom = seg.FineTune(Synthetic.Cohort(1));
        using var a = fromPretrained.Model;
        using var b = fromRandom.Model;
        var net = ((UNetSegmentationModel)a).Net;
        var randomNet = ((UNetSegmentationModel)b).Net;
        var want = pretrained.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        int compared = 0;
        foreach (var (name, p) in net.Encoder.named_parameters())
        {
            Assert.That(p.allclose(want[name], rtol: 0, atol: 1e-7), Is.True, $"encoder tensor {name} did not arrive");
            compared++;
        }
        Assert.That(compared, Is.EqualTo(want.Count));
        Assert.That(randomNet.Encoder.named_parameters().Any(p => !p.parameter.allclose(want[p.name], rtol: 0, atol: 1e-3)), Is.True, "random init differs");
        // The decoder is not taken from the pretrained model: same seed, same decoder init for both runs.
        var decA = net.named_parameters().Where(p => p.name.StartsWith("decoders", StringComparison.Ordinal)).Select(p => p.parameter).ToList();
        var decB = randomNet.named_parameters().Where(p => p.name.StartsWith("decoders", StringComparison.Ordinal)).Select(p => p.parameter).ToList();
        Assert.That(decA.Zip(decB).All(t => t.First.allclose(t.Second, rtol: 0, atol: 1e-7)), Is.True);
        Assert.That(a.Network, Is.EqualTo(Tiny));
    }

    [Test]
    public void EncoderLearningRateScale_Zero_FreezesThePretrainedEncoder_ButTrainsTheDecoder()
    {
        string dir = TestSetup.TempDir();
        new ContrastivePretrainer(TinyPretrain(epochs: 1), ComputeDevice.Cpu).Pretrain(Synthetic.Cohort(3, labelled: false), dir);
        using var pretrained = new UNetEncoder(Tiny);
        ModelArtifact.LoadWeights(dir, ModelArtifact.ReadManifest(dir), pretrained);
        var options = new FineTuneOptions
        {
            Network = Tiny, ValidationFraction = 0, Schedule = new TrainingSchedule { Epochs = 2, StepsPerEpoch = 3, BatchSize = 4, LearningRate = 1e-2, MinLearningRate = 1e-5, WeightDecay = 1e-5, Seed = 5, LogInterval = 10 },
            EncoderLearningRateScale = 0,
        };
        using var init = new UNet2d(Tiny, 3, ThighSeg.Core.Randomness.Seeds.Derive(options.Schedule.Seed, ThighSeg.Core.Randomness.Seeds.Initialisation, 0));
        var result = new UNetSegmenter(options, ComputeDevice.Cpu).FineTune(Synthetic.Cohort(1), pretrainedEncoder: dir);
        using var model = result.Model;
        var net = ((UNetSegmentationModel)model).Net;
        var want = pretrained.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (name, p) in net.Encoder.named_parameters())
        {
            Assert.That(p.allclose(want[name], rtol: 0, atol: 0), Is.True, $"encoder tensor {name} moved");
        }
        var initial = init.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        Assert.That(net.named_parameters().Where(p => p.name.StartsWith("decoders", StringComparison.Ordinal))
            .Any(p => !p.parameter.allclose(initial[p.name], rtol: 0, atol: 1e-6)), Is.True, "the decoder did not train");
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = options with { EncoderLearningRateScale = 1.5 });
    }

    [TestCase(Precision.Fp32, false)]
    [TestCase(Precision.Bf16, true)]
    public void Pretraining_ResumesAfterCancellation_AndMatchesAnUninterruptedRun(Precision precision, bool channelsLast)
    {
        // bf16 + channels-last: the checkpoint holds NHWC weights and SGD momentum (ModuleState) and resumes exactly.
        var options = TinyPretrain() with { Performance = new PerformanceOptions { Precision = precision, ChannelsLast = channelsLast } };
        var data = Synthetic.Cohort(3, labelled: false);
        string full = TestSetup.TempDir(), interrupted = TestSetup.TempDir();
        var reference = new ContrastivePretrainer(options, ComputeDevice.Cpu).Pretrain(data, full);

        using var cts = new CancellationTokenSource();
        var stopAfterEpoch1 = new SyncProgress(p =>
        {
            if (p.Phase == "pretrain" && p.Epoch == 1 && !double.IsNaN(p.Loss))
            {
                cts.Cancel();
            }
        });
        Assert.Catch<OperationCanceledException>(() => new ContrastivePretrainer(options, ComputeDevice.Cpu).Pretrain(data, interrupted, stopAfterEpoch1, cts.Token));
        Assert.That(File.Exists(Path.Combine(interrupted, ContrastivePretrainer.CheckpointFile)), Is.True);
        Assert.That(File.Exists(Path.Combine(interrupted, ModelArtifact.ManifestFile)), Is.False);
        Assert.That(Directory.GetFiles(interrupted, "*.tmp"), Is.Empty);

        var resumed = new ContrastivePretrainer(options, ComputeDevice.Cpu).Pretrain(data, interrupted);
        Assert.That(resumed.Resumed, Is.True);
        Assert.That(resumed.Steps, Is.EqualTo(reference.Steps));
        Assert.That(resumed.LossHistory, Is.EqualTo(reference.LossHistory));
        Assert.That(File.ReadAllBytes(Path.Combine(interrupted, "encoder.bin")), Is.EqualTo(File.ReadAllBytes(Path.Combine(full, "encoder.bin"))));
    }

    [Test]
    public void Checkpoint_FromOtherOptions_IsRefused()
    {
        var data = Synthetic.Cohort(2, labelled: false);
        string dir = TestSetup.TempDir();
        new ContrastivePretrainer(TinyPretrain(epochs: 1), ComputeDevice.Cpu).Pretrain(data, dir);
        var ex = Assert.Throws<ThighSegException>(() => new ContrastivePretrainer(TinyPretrain(epochs: 1, seed: 8), ComputeDevice.Cpu).Pretrain(data, dir));
        Assert.That(ex!.Message, Does.Contain("different options"));
    }

    [Test]
    public void Checkpoint_Corrupt_GivesModelFormatException()
    {
        var data = Synthetic.Cohort(2, labelled: false);
        string dir = TestSetup.TempDir();
        File.WriteAllBytes(Path.Combine(dir, ContrastivePretrainer.CheckpointFile), [1, 2, 3]);
        Assert.Throws<ModelFormatException>(() => new ContrastivePretrainer(TinyPretrain(epochs: 1), ComputeDevice.Cpu).Pretrain(data, dir));
    }

    [Test]
    public void EarlyStopping_StopsAfterPatienceValidationsWithoutImprovement_AndKeepsTheBestEpoch()
    {
        // A learning rate so small that the validation Dice cannot change (instance norm: no running statistics either),
        // so the first validation stays the best.
        var data = Synthetic.Cohort(3, seed: 4);
        var o = new FineTuneOptions
        {
            Network = Tiny with { Norm = NormKind.Instance },
            ValidationFraction = 0.34,
            EarlyStoppingPatience = 2,
            Schedule = new TrainingSchedule { Epochs = 10, StepsPerEpoch = 1, BatchSize = 4, LearningRate = 1e-12, MinLearningRate = 0, Seed = 5 },
        };
        var r = new UNetSegmenter(o, ComputeDevice.Cpu).FineTune(data);
        using var model = r.Model;
        Assert.That(r.LossHistory, Has.Count.EqualTo(3), "epoch 1 best, epochs 2 and 3 without improvement, then stop");
        Assert.That(r.BestEpoch, Is.EqualTo(1));
        var full = new UNetSegmenter(o with { EarlyStoppingPatience = null, Schedule = o.Schedule with { Epochs = 4 } }, ComputeDevice.Cpu).FineTune(data);
        using var fullModel = full.Model;
        Assert.That(full.LossHistory, Has.Count.EqualTo(4));
    }

    [Test]
    public void ValidationDice_OnTensors_EqualsTheEvaluatorsDice_OnArrays()
    {
        var rng = new Random(3);
        int n = 2 * 8 * 8;
        var reference = Enumerable.Range(0, n).Select(_ => rng.Next(4)).ToArray();
        var predicted = reference.Select(v => rng.NextDouble() < 0.3 ? rng.Next(4) : v).ToArray();
        predicted = predicted.Select(v => v == 3 ? 0 : v).ToArray(); // class 3 only in the reference
        using var p = tensor(predicted.Select(v => (long)v).ToArray(), [2, 8, 8]);
        using var r = tensor(reference.Select(v => (long)v).ToArray(), [2, 8, 8]);
        double tensorDice = ThighSeg.Core.Metrics.DiceMetric.MeanForeground(SegmentationLoss.OverlapCounts(p, r, 4));

        var shape = new ThighSeg.Core.Volumes.VolumeShape(8, 8, 2);
        var refVolume = new ThighSeg.Core.Volumes.Volume<int>(shape, ThighSeg.Core.Volumes.Affine.FromSpacing(1, 1, 1));
        var predVolume = new ThighSeg.Core.Volumes.Volume<int>(shape, ThighSeg.Core.Volumes.Affine.FromSpacing(1, 1, 1));
        reference.CopyTo(refVolume.Data);
        predicted.CopyTo(predVolume.Data);
        var rows = new ThighSeg.Core.Metrics.SegmentationEvaluator(new ThighSeg.Core.Metrics.EvaluationOptions { Labels = [1, 2, 3] })
            .Evaluate("s", refVolume, predVolume);
        double arrayDice = rows.Select(x => x.Dice).Where(d => !double.IsNaN(d)).Average();
        Assert.That(tensorDice, Is.EqualTo(arrayDice).Within(1e-12));
        Assert.That(rows.Single(x => x.Label == 3).Dice, Is.Zero, "a class missing from the prediction counts as 0");
    }

    [Test]
    [Category("Slow")] // fine-tunes, cancels and resumes: about 15 s on a loaded 2-core machine
    public void FineTuning_IsDeterministic_AndResumable()
    {
        var data = Synthetic.Cohort(3, seed: 4);
        var o = new FineTuneOptions { Network = Tiny, ValidationFraction = 0.34, Schedule = new TrainingSchedule { Epochs = 3, StepsPerEpoch = 2, BatchSize = 4, LearningRate = 1e-3, MinLearningRate = 1e-5, WeightDecay = 1e-5, Seed = 5, LogInterval = 1000 } };
        string ckA = TestSetup.TempDir(), ckB = TestSetup.TempDir(), outA = TestSetup.TempDir(), outB = TestSetup.TempDir();
        var a = new UNetSegmenter(o, ComputeDevice.Cpu).FineTune(data, checkpointDirectory: ckA);
        using (a.Model)
        {
            a.Model.Save(outA);
        }

        using var cts = new CancellationTokenSource();
        var stop = new SyncProgress(p =>
        {
            if (p.Phase == "finetune" && p.Epoch == 2 && !double.IsNaN(p.Loss))
            {
                cts.Cancel();
            }
        });
        Assert.Catch<OperationCanceledException>(() => new UNetSegmenter(o, ComputeDevice.Cpu).FineTune(data, checkpointDirectory: ckB, progress: stop, cancellationToken: cts.Token));
        var b = new UNetSegmenter(o, ComputeDevice.Cpu).FineTune(data, checkpointDirectory: ckB);
        using (b.Model)
        {
            b.Model.Save(outB);
        }
        Assert.That(b.ValidationSubjects, Has.Count.EqualTo(1));
        Assert.That(b.TrainingSubjects, Has.No.Member(b.ValidationSubjects[0]));
        Assert.That(b.LossHistory, Is.EqualTo(a.LossHistory));
        Assert.That(b.BestEpoch, Is.EqualTo(a.BestEpoch));
        Assert.That(File.ReadAllBytes(Path.Combine(outB, "model.bin")), Is.EqualTo(File.ReadAllBytes(Path.Combine(outA, "model.bin"))));
    }

    [TestCase(Precision.Fp32, false)]
    [TestCase(Precision.Bf16, true)]
    public void TrainingStepsAndPredictions_LeaveLiveTensorCountUnchanged(Precision precision, bool channelsLast)
    {
        var device = CPU;
        var performance = new PerformanceOptions { Precision = precision, ChannelsLast = channelsLast };
        var stack = Synthetic.Stack("s0", depth: 8);
        var lookup = new LabelLookup(LabelMap.Generic([7101, 7201]));
        var slices = Enumerable.Range(0, 4).Select(k => new PositionalSlice(stack, k)).ToArray();
        using var net = new UNet2d(Tiny, 3, 1);
        if (channelsLast)
        {
            TorchPerformance.ModuleToChannelsLast(net);
        }
        using var opt = new AdamOptimizer([new ParameterGroup(net.parameters().ToList())], 1e-3);
        var aug = new TensorAugmenter(new AugmentationOptions(intensityProbability: 0.5));
        var objective = new SegmentationObjective(net, opt, aug, lookup, 1.0, performance, device);
        var rng = new Random(1);
        void Step()
        {
            using var scope = NewDisposeScope();
            var loss = objective.Loss(slices, rng);
            opt.ZeroGrad();
            loss.backward();
            opt.Step();
        }
        Step(); // creates the gradients
        long before = LiveTensors();
        for (int i = 0; i < 3; i++)
        {
            Step();
        }
        Assert.That(LiveTensors(), Is.EqualTo(before), "fine-tuning step");

        var po = TinyPretrain() with { Performance = performance };
        using var cnet = new ContrastiveNetwork(Tiny, 16, 1);
        if (channelsLast)
        {
            TorchPerformance.ModuleToChannelsLast(cnet);
        }
        using var sgd = new SgdOptimizer([new ParameterGroup(cnet.parameters().ToList())], 0.1, 0.9, 0);
        var pslices = Enumerable.Range(0, 8).Select(k => new PositionalSlice(stack, k)).ToArray();
        var pobjective = new ContrastiveObjective(cnet, sgd, new TensorAugmenter(po.Augmentation), po, device);
        void PStep()
        {
            using var scope = NewDisposeScope();
            var loss = pobjective.Loss(pslices, rng);
            sgd.ZeroGrad();
            loss.backward();
            sgd.Step();
        }
        PStep();
        before = LiveTensors();
        PStep();
        PStep();
        Assert.That(LiveTensors(), Is.EqualTo(before), "pretraining step");

        // Trained with flips, so that the mirror-TTA prediction below runs the mirrored pass too.
        var seg = new UNetSegmenter(new FineTuneOptions { Network = Tiny, ValidationFraction = 0, Performance = performance, Augmentation = new AugmentationOptions(flipProbability: 0.5), Schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = 1, BatchSize = 4, LearningRate = 1e-3, MinLearningRate = 1e-5, WeightDecay = 1e-5, Seed = 0, LogInterval = 10 } }, ComputeDevice.Cpu);
        using var model = seg.FineTune([stack]).Model;
        Assert.That(((UNetSegmentationModel)model).Performance, Is.EqualTo(performance));
        model.Predict(stack);
        before = LiveTensors();
        model.Predict(stack, withProbabilities: true, flipTta: true);
        model.Predict(stack);
        Assert.That(LiveTensors(), Is.EqualTo(before), "prediction");
    }

    /// <summary>
    /// Live tensor wrappers after running pending finalisers, so that garbage left by earlier tests (finalised at
    /// random moments) cannot move the count; tensors still referenced, or registered in an open scope, still count.
    /// </summary>
    private static long LiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.TotalCount;
    }
}
