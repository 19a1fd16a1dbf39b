using System.Text.Json.Nodes;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Training;

namespace ThighSeg.Torch.Tests;

public class ArtifactTests
{
    private static readonly UNetOptions Tiny = new(baseFilters: 4, depth: 2, norm: NormKind.Instance);

    private static (string Dir, UNetSegmentationModel Model) TrainAndSave()
    {
        var seg = new UNetSegmenter(new FineTuneOptions { Network = Tiny, ValidationFraction = 0, Schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = 2, BatchSize = 4, LearningRate = 1e-3, MinLearningRate = 1e-5, WeightDecay = 1e-5, Seed = 2, LogInterval = 10 } }, ComputeDevice.Cpu);
        var model = (UNetSegmentationModel)seg.FineTune(Synthetic.Cohort(1, size: 16, depth: 4)).Model;
        string dir = TestSetup.TempDir();
        model.Save(dir, new JsonObject { ["spacingMm"] = 1.25, ["normalisation"] = "zscore" });
        return (dir, model);
    }

    [Test]
    public void SavedModel_LoadsFromManifest_AndPredictsIdentically()
    {
        var (dir, model) = TrainAndSave();
        using (model)
        using (var loaded = UNetSegmentationModel.Load(dir, ComputeDevice.Cpu))
        {
            var stack = Synthetic.Stack("t", size: 16, depth: 4, seed: 9);
            var a = model.Predict(stack, withProbabilities: true);
            var b = loaded.Predict(stack, withProbabilities: true);
            Assert.That(b.Labels, Is.EqualTo(a.Labels));
            Assert.That(b.Probabilities![1], Is.EqualTo(a.Probabilities![1]));
            Assert.That(loaded.Classes.Values, Is.EqualTo(model.Classes.Values));
            Assert.That(loaded.Classes.Name(7101), Is.EqualTo(model.Classes.Name(7101)));
            Assert.That(loaded.Network, Is.EqualTo(Tiny));
            Assert.That(loaded.Preprocessing!["normalisation"]!.GetValue<string>(), Is.EqualTo("zscore"));
            Assert.That(loaded.Provenance.Method, Is.EqualTo("finetune-from-random"));
            Assert.That(loaded.Provenance.Subjects, Is.EqualTo(new[] { "s00" }));
            Assert.That(loaded.Provenance.Seed, Is.EqualTo(2));
        }
        var manifest = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "manifest.json")))!;
        Assert.That(manifest["formatVersion"]!.GetValue<int>(), Is.EqualTo(1));
        Assert.That(manifest["labels"]!.AsArray().Select(l => l!["value"]!.GetValue<int>()), Is.EqualTo(new[] { 0, 7101, 7201 }));
        Assert.That(Directory.GetFiles(dir).Select(Path.GetFileName), Is.EquivalentTo(new[] { "manifest.json", "model.bin" }));
    }

    [Test]
    public void Load_MissingFolderOrManifest_ThrowsModelFormatException()
    {
        var ex = Assert.Throws<ModelFormatException>(() => UNetSegmentationModel.Load(Path.Combine(TestSetup.TempDir(), "nope"), ComputeDevice.Cpu));
        Assert.That(ex!.Message, Does.Contain("manifest.json is missing"));
        Assert.That(ex, Is.InstanceOf<ThighSegException>());
    }

    [Test]
    public void Load_CorruptOrIncompatibleArtifacts_ThrowModelFormatException()
    {
        var (dir, model) = TrainAndSave();
        model.Dispose();
        string manifest = Path.Combine(dir, "manifest.json");
        string weights = Path.Combine(dir, "model.bin");
        string good = File.ReadAllText(manifest);
        byte[] goodWeights = File.ReadAllBytes(weights);

        File.WriteAllText(manifest, "{ not json");
        Assert.Throws<ModelFormatException>(() => UNetSegmentationModel.Load(dir, ComputeDevice.Cpu));

        File.WriteAllText(manifest, good.Replace("\"formatVersion\": 1", "\"formatVersion\": 99", StringComparison.Ordinal));
        Assert.That(Assert.Throws<ModelFormatException>(() => UNetSegmentationModel.Load(dir, ComputeDevice.Cpu))!.Message, Does.Contain("version 99"));

        File.WriteAllText(manifest, good.Replace("\"baseFilters\": 4", "\"baseFilters\": 6", StringComparison.Ordinal));
        Assert.Throws<ModelFormatException>(() => UNetSegmentationModel.Load(dir, ComputeDevice.Cpu));

        File.WriteAllText(manifest, good);
        File.WriteAllBytes(weights, goodWeights.AsSpan(0, goodWeights.Length / 2).ToArray());
        Assert.Throws<ModelFormatException>(() => UNetSegmentationModel.Load(dir, ComputeDevice.Cpu));

        File.Delete(weights);
        Assert.That(Assert.Throws<ModelFormatException>(() => UNetSegmentationModel.Load(dir, ComputeDevice.Cpu))!.Message, Does.Contain("missing"));
    }

    [Test]
    public void FineTune_FromEncoderOfOtherNetwork_ThrowsModelFormatException()
    {
        string enc = TestSetup.TempDir();
        new ContrastivePretrainer(new PretrainOptions { Network = new UNetOptions(4, 2), EmbeddingDim = 8, Schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = 1, BatchSize = 4, LearningRate = 0.1, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 0, LogInterval = 10 } }, ComputeDevice.Cpu)
            .Pretrain(Synthetic.Cohort(1, size: 16, depth: 4, labelled: false), enc);
        var seg = new UNetSegmenter(new FineTuneOptions { Network = new UNetOptions(8, 2), ValidationFraction = 0, Schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = 1, BatchSize = 4, LearningRate = 1e-3, MinLearningRate = 1e-5, WeightDecay = 1e-5, Seed = 0, LogInterval = 10 } }, ComputeDevice.Cpu);
        var ex = Assert.Throws<ModelFormatException>(() => seg.FineTune(Synthetic.Cohort(1, size: 16, depth: 4), pretrainedEncoder: enc));
        Assert.That(ex!.Message, Does.Contain("F=4"));
        Assert.Throws<ModelFormatException>(() => UNetSegmentationModel.Load(enc, ComputeDevice.Cpu));
    }

    [Test]
    public void FineTune_ReportsTheLabelsNoTrainingStackContains_ValidationStacksNotCounting()
    {
        var seg = new UNetSegmenter(new FineTuneOptions { Network = Tiny, Schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = 2, BatchSize = 4, LearningRate = 1e-3, MinLearningRate = 1e-5, WeightDecay = 1e-5, Seed = 0, LogInterval = 10 } }, ComputeDevice.Cpu);
        var train = Synthetic.Cohort(1, size: 16, depth: 4);
        var v = Synthetic.Stack("val", size: 16, depth: 4, seed: 3);
        var valLabels = (int[])v.Labels!.Clone();
        valLabels[0] = 42;
        var validation = new SliceStack("val", v.Part, v.Width, v.Height, v.Depth, v.Image, valLabels);
        var classes = LabelMap.Generic(train.SelectMany(s => s.Labels!).Concat([42, 43]));

        var partial = seg.FineTune(train, classes: classes, validation: [validation]);
        using (partial.Model)
        {
            Assert.That(partial.UnseenLabels, Is.EqualTo(new[] { 42, 43 }), "42 is only in the validation stack, which gives no gradient");
        }
        var full = seg.FineTune(train);
        using (full.Model)
        {
            Assert.That(full.UnseenLabels, Is.Empty);
        }
    }

    [Test]
    public void FineTune_RejectsUnlabelledStacks_AndLabelsOutsideTheClassMap()
    {
        var seg = new UNetSegmenter(new FineTuneOptions { Network = Tiny, Schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = null, BatchSize = 10, LearningRate = 1e-3, MinLearningRate = 1e-5, WeightDecay = 1e-5, Seed = 0, LogInterval = 10 } }, ComputeDevice.Cpu);
        Assert.Throws<ThighSegException>(() => seg.FineTune(Synthetic.Cohort(1, size: 16, depth: 4, labelled: false)));
        Assert.Throws<ThighSegException>(() => seg.FineTune(Synthetic.Cohort(1, size: 16, depth: 4), classes: LabelMap.Generic([7101])));
        Assert.Throws<ThighSegException>(() => seg.FineTune(Synthetic.Cohort(1, size: 18, depth: 4)));
    }
}
