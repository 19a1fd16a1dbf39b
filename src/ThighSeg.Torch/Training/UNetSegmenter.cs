using System.Globalization;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Core.Randomness;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Augmentation;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Interop;
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
        var o = _options;
        TrainingInput.Check(o.Validate, o.Network, TensorBridge.CommonSliceSize(validation is null ? labelled : [.. labelled, .. validation]));
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
            (trainSubjects, valSubjects) = CaseSplits.HoldOut(labelled.Select(s => s.SubjectId), o.ValidationFraction, o.Schedule.Seed);
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
        o = o.ForTrainingSubjects(Math.Max(1, trainSubjects.Count));
        var sampler = o.ClassAwareSampling > 0
            ? PositionalSliceSampler.ForStacks(trainStacks, o.Schedule.Seed, o.ClassAwareSampling)
            : PositionalSliceSampler.ForStacks(trainStacks, o.Schedule.Seed, requireLabels: true);
        Device device = TorchBackend.Resolve(_device);

        var net = new UNet2d(o.Network, classes.Count, Seeds.Derive(o.Schedule.Seed, Seeds.Initialisation, 0));
        try
        {
            string? initDescription = null;
            if (pretrainedEncoder is not null)
            {
                var init = ModelArtifact.LoadEncoderInto(pretrainedEncoder, net.Encoder);
                initDescription = $"{Path.GetFullPath(pretrainedEncoder)} ({init.Training.Method}, {init.Training.Steps} steps)";
            }
            net.to(device);
            if (o.Performance.ChannelsLast)
            {
                TorchPerformance.ModuleToChannelsLast(net); // before the optimizer takes the parameters
            }
            var encoderParameters = net.Encoder.parameters().ToList();
            var encoderHandles = encoderParameters.Select(p => p.Handle).ToHashSet();
            var otherParameters = net.parameters().Where(p => !encoderHandles.Contains(p.Handle)).ToList();
            using var optimizer = new AdamOptimizer(
                [new ParameterGroup(encoderParameters, o.EncoderLearningRateScale), new ParameterGroup(otherParameters)], o.Schedule.LearningRate, o.Schedule.WeightDecay);
            var objective = new SegmentationObjective(net, optimizer, new TensorAugmenter(o.Augmentation), lookup, o.DiceWeight, o.Performance, device);
            var selector = new BestModelSelector(net, device, o.Performance, valStacks, lookup, o.ValidateEvery, o.EarlyStoppingPatience);
            var checkpoint = checkpointDirectory is null ? null : new TrainingLoop.CheckpointSpec(
                Path.Combine(checkpointDirectory, CheckpointFile),
                Checkpoint.Fingerprint(o, trainStacks.Concat(valStacks), $"finetune|{string.Join(",", classes.Values)}|{initDescription}|{validation is null}"));
            var run = new TrainingLoop(o.Schedule, "finetune", device, o.Performance).Run(objective, sampler, checkpoint, [selector], progress, cancellationToken);
            long step = run.Steps;
            selector.RestoreBest();
            int bestEpoch = selector.Best is null ? run.EpochsRun : selector.BestEpoch;
            var provenance = new TrainingProvenance(
                pretrainedEncoder is null ? "finetune-from-random" : "finetune-from-pretrained",
                o.Schedule.Seed,
                o.Schedule.Epochs,
                step,
                trainSubjects.Concat(valSubjects.Select(v => "val:" + v)).ToList(),
                ModelArtifact.OptionsJson(o),
                device.ToString(),
                DateTime.UtcNow.ToString("o", CultureInfo.InvariantCulture),
                initDescription);
            var model = new UNetSegmentationModel(net, device, classes, provenance, null) { Performance = o.Performance };
            return new FineTuneResult(model, bestEpoch, selector.BestDice, trainSubjects, valSubjects, run.LossHistory)
            {
                UnseenLabels = LabelCoverage.Unseen(classes, trainStacks),
            };
        }
        catch
        {
            net.Dispose();
            throw;
        }
    }
}
