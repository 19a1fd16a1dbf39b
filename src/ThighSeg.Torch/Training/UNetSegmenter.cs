using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Augmentation;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Training;

/// <summary>
/// Fine-tunes a 2D U-Net on labelled slice stacks: Adam with per-iteration cosine decay, cross-entropy plus optional soft
/// Dice, on-device augmentation applied identically to image and labels, model selection by mean foreground Dice on a
/// validation split of whole training subjects. Label values are mapped to contiguous class indices (see
/// <see cref="LabelMap"/>); nothing assumes a particular label set.
/// </summary>
/// <remarks>
/// With a checkpoint folder, a checkpoint (weights, optimizer, best weights so far) is written atomically after every
/// epoch and a rerun with the same options and data resumes after the last complete epoch. Not thread-safe.
/// </remarks>
public sealed class UNetSegmenter : ISegmenter
{
    /// <summary>Checkpoint file name inside the checkpoint folder.</summary>
    public const string CheckpointFile = "finetune-checkpoint.bin";

    private readonly FineTuneOptions _options;
    private readonly ComputeDevice _device;

    /// <summary>Creates a segmenter.</summary>
    /// <param name="options">Hyper-parameters; null gives the defaults.</param>
    /// <param name="device">Where to train and predict.</param>
    public UNetSegmenter(FineTuneOptions? options = null, ComputeDevice device = ComputeDevice.Auto)
    {
        _options = options ?? new FineTuneOptions();
        _device = device;
    }

    /// <summary>The options.</summary>
    public FineTuneOptions Options => _options;

    /// <summary>Splits subjects into training and validation subjects (seeded; whole subjects only).</summary>
    public static (IReadOnlyList<string> Train, IReadOnlyList<string> Validation) SplitSubjects(IEnumerable<string> subjects, double validationFraction, int seed)
    {
        var all = subjects.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        int nVal = 0;
        if (all.Length >= 2 && validationFraction > 0)
        {
            nVal = Math.Clamp((int)Math.Round(validationFraction * all.Length), 1, all.Length - 1);
        }
        new Random(Seeds.Derive(seed, Seeds.Split, 0)).Shuffle(all);
        var val = all.Take(nVal).Order(StringComparer.Ordinal).ToList();
        var train = all.Skip(nVal).Order(StringComparer.Ordinal).ToList();
        return (train, val);
    }

    /// <inheritdoc/>
    public FineTuneResult FineTune(
        IReadOnlyList<SliceStack> labelled,
        string? pretrainedEncoder = null,
        LabelMap? classes = null,
        string? checkpointDirectory = null,
        IReadOnlyList<SliceStack>? validation = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(labelled);
        var (h, w) = TensorBridge.CommonSliceSize(validation is null ? labelled : [.. labelled, .. validation]);
        var o = _options;
        try
        {
            o.Network.ValidateInputSize(h, w);
        }
        catch (ArgumentException ex)
        {
            throw new ThighSegException(ex.Message, ex);
        }
        foreach (var s in validation is null ? labelled : labelled.Concat(validation))
        {
            if (s.Labels is null)
            {
                throw new ThighSegException($"Stack {s.SubjectId}/{s.Part} has no labels; fine-tuning needs labelled stacks.");
            }
        }
        var present = LabelMap.Generic(labelled.Concat(validation ?? []).SelectMany(s => s.Labels!).Distinct());
        classes ??= present;
        var missing = present.Values.Where(v => !classes.Contains(v)).ToList();
        if (missing.Count > 0)
        {
            throw new ThighSegException($"The labelled data contain label values {string.Join(", ", missing)} that are not in the given label map ({string.Join(", ", classes.Values)}).");
        }
        if (classes.Count < 2)
        {
            throw new ThighSegException("The labelled data contain only background; fine-tuning needs at least one foreground label.");
        }
        var lookup = new LabelLookup(classes);
        IReadOnlyList<string> trainSubjects, valSubjects;
        List<SliceStack> trainStacks, valStacks;
        if (validation is null)
        {
            (trainSubjects, valSubjects) = SplitSubjects(labelled.Select(s => s.SubjectId), o.ValidationFraction, o.Seed);
            trainStacks = labelled.Where(s => trainSubjects.Contains(s.SubjectId)).ToList();
            valStacks = labelled.Where(s => valSubjects.Contains(s.SubjectId)).ToList();
        }
        else
        {
            trainSubjects = labelled.Select(s => s.SubjectId).Distinct().ToList();
            valSubjects = validation.Select(s => s.SubjectId).Distinct().ToList();
            var overlap = trainSubjects.Intersect(valSubjects).ToList();
            if (overlap.Count > 0)
            {
                throw new ThighSegException($"Subjects {string.Join(", ", overlap)} are both in the training and the validation stacks; slices of one subject must not cross splits.");
            }
            trainStacks = [.. labelled];
            valStacks = [.. validation];
        }
        var sampler = new SliceSampler(trainStacks);
        int stepsPerEpoch = sampler.StepsPerEpoch(o.BatchSize, o.StepsPerEpoch);
        long totalSteps = (long)stepsPerEpoch * o.Epochs;
        Device device = TorchBackend.Resolve(_device);
        var clock = Stopwatch.StartNew();

        var net = new UNet2d(o.Network, classes.Count, Seeds.Derive(o.Seed, Seeds.Initialisation, 0));
        try
        {
            string? initDescription = null;
            if (pretrainedEncoder is not null)
            {
                var init = ModelArtifact.LoadEncoderInto(pretrainedEncoder, net.Encoder);
                initDescription = $"{Path.GetFullPath(pretrainedEncoder)} ({init.Training.Method}, {init.Training.Steps} steps)";
            }
            net.to(device);
            var encoderParameters = net.Encoder.parameters().ToList();
            var encoderHandles = encoderParameters.Select(p => p.Handle).ToHashSet();
            var otherParameters = net.parameters().Where(p => !encoderHandles.Contains(p.Handle)).ToList();
            using var optimizer = new AdamOptimizer(
                [new ParameterGroup(encoderParameters, o.EncoderLearningRateScale), new ParameterGroup(otherParameters)], o.LearningRate, o.WeightDecay);
            var augmenter = new TensorAugmenter(o.Augmentation);

            string? checkpointPath = checkpointDirectory is null ? null : Path.Combine(checkpointDirectory, CheckpointFile);
            string fingerprint = Checkpoint.Fingerprint(o, trainStacks.Concat(valStacks), $"finetune|{string.Join(",", classes.Values)}|{initDescription}|{validation is null}");
            var state = checkpointPath is null ? null : Checkpoint.TryRead(checkpointPath, fingerprint, net, optimizer);
            int startEpoch = state?.Epoch ?? 0;
            long step = state?.Step ?? 0;
            var history = state?.LossHistory ?? [];
            byte[]? best = state is { Blobs.Count: > 0 } ? state.Blobs[0] : null;
            int bestEpoch = state?.Extra["bestEpoch"]?.GetValue<int>() ?? 0;
            double? bestDice = state?.Extra["bestDice"]?.GetValue<double>();
            if (state is not null)
            {
                progress?.Report(new TrainingProgress("resume", startEpoch, o.Epochs, step, totalSteps, history.LastOrDefault(double.NaN), 0, clock.Elapsed, bestDice));
            }

            using var epochMeter = new LossMeter(device);
            using var logMeter = new LossMeter(device);
            for (int epoch = startEpoch; epoch < o.Epochs; epoch++)
            {
                net.train();
                var rng = new Random(Seeds.Derive(o.Seed, Seeds.Augmentation, epoch));
                double lr = o.LearningRate;
                foreach (var batch in sampler.Epoch(o.Seed, epoch, o.BatchSize, o.StepsPerEpoch))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    lr = CosineSchedule.At(step, totalSteps, o.LearningRate, o.MinLearningRate);
                    optimizer.LearningRate = lr;
                    using (NewDisposeScope())
                    {
                        Tensor loss = FineTuneStep.Loss(net, augmenter, batch, lookup, o.DiceWeight, device, rng);
                        optimizer.ZeroGrad();
                        loss.backward();
                        optimizer.Step();
                        epochMeter.Add(loss);
                        logMeter.Add(loss);
                    }
                    step++;
                    if (step % o.LogInterval == 0)
                    {
                        progress?.Report(new TrainingProgress("finetune", epoch + 1, o.Epochs, step, totalSteps, logMeter.Drain(), lr, clock.Elapsed));
                    }
                }
                double epochLoss = epochMeter.Drain();
                history.Add(epochLoss);
                progress?.Report(new TrainingProgress("finetune", epoch + 1, o.Epochs, step, totalSteps, epochLoss, lr, clock.Elapsed));

                bool lastEpoch = epoch == o.Epochs - 1;
                if (valStacks.Count > 0 && ((epoch + 1) % o.ValidateEvery == 0 || lastEpoch))
                {
                    double dice = Validate(net, device, valStacks, lookup);
                    progress?.Report(new TrainingProgress("validate", epoch + 1, o.Epochs, step, totalSteps, double.NaN, lr, clock.Elapsed, dice));
                    if (bestDice is null || dice > bestDice.Value || (double.IsNaN(bestDice.Value) && !double.IsNaN(dice)))
                    {
                        bestDice = dice;
                        bestEpoch = epoch + 1;
                        best = SaveToBytes(net);
                    }
                }
                if (checkpointPath is not null)
                {
                    var extra = new JsonObject { ["bestEpoch"] = bestEpoch };
                    if (bestDice is double bd && double.IsFinite(bd))
                    {
                        extra["bestDice"] = bd;
                    }
                    Checkpoint.Write(checkpointPath, new Checkpoint.State(fingerprint, epoch + 1, step, history, extra, best is null ? [] : [best]), net, optimizer);
                }
            }

            if (best is not null)
            {
                using var ms = new MemoryStream(best);
                using var r = new BinaryReader(ms);
                net.load(r, strict: true);
            }
            else
            {
                bestEpoch = o.Epochs;
            }
            var provenance = new TrainingProvenance(
                pretrainedEncoder is null ? "finetune-from-random" : "finetune-from-pretrained",
                o.Seed,
                o.Epochs,
                step,
                trainSubjects.Concat(valSubjects.Select(v => "val:" + v)).ToList(),
                ModelArtifact.OptionsJson(o),
                device.ToString(),
                DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
                initDescription);
            var model = new UNetSegmentationModel(net, device, classes, provenance, null);
            return new FineTuneResult(model, bestEpoch, bestDice, trainSubjects, valSubjects, history);
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }

    private static byte[] SaveToBytes(nn.Module net)
    {
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            net.save(w);
        }
        return ms.ToArray();
    }

    /// <summary>Mean over validation stacks of the mean foreground Dice (argmax prediction, no augmentation).</summary>
    internal static double Validate(UNet2d net, Device device, IReadOnlyList<SliceStack> stacks, LabelLookup lookup, int batchSize = 16)
    {
        net.eval();
        using var noGrad = no_grad();
        double sum = 0;
        int n = 0;
        foreach (var stack in stacks)
        {
            var counts = new long[3, lookup.Classes.Count];
            for (int start = 0; start < stack.Depth; start += batchSize)
            {
                using var scope = NewDisposeScope();
                var slices = Enumerable.Range(start, Math.Min(batchSize, stack.Depth - start)).Select(k => new PositionalSlice(stack, k)).ToArray();
                Tensor pred = net.forward(TensorBridge.Images(slices, device)).argmax(1);
                Tensor reference = TensorBridge.Labels(slices, lookup, device);
                var c = SegmentationLoss.OverlapCounts(pred, reference, lookup.Classes.Count);
                for (int i = 0; i < 3; i++)
                {
                    for (int k = 0; k < c.GetLength(1); k++)
                    {
                        counts[i, k] += c[i, k];
                    }
                }
            }
            double d = SegmentationLoss.MeanForegroundDice(counts);
            if (!double.IsNaN(d))
            {
                sum += d;
                n++;
            }
        }
        net.train();
        return n == 0 ? double.NaN : sum / n;
    }
}

/// <summary>One fine-tuning forward pass: augmented batch (same transform for image and labels), logits, loss.</summary>
internal static class FineTuneStep
{
    public static Tensor Loss(UNet2d net, TensorAugmenter augmenter, IReadOnlyList<PositionalSlice> batch, LabelLookup lookup, double diceWeight, Device device, Random rng)
    {
        Tensor images = TensorBridge.Images(batch, device);
        Tensor labels = TensorBridge.Labels(batch, lookup, device);
        var (x, y) = augmenter.Apply(images, labels, rng);
        Tensor logits = net.forward(x);
        return SegmentationLoss.Compute(logits, y!, diceWeight);
    }
}
