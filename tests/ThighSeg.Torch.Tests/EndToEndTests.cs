using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Phantoms;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Training;

namespace ThighSeg.Torch.Tests;

/// <summary>The whole path on a tiny phantom cohort: generate, prepare, pretrain, fine-tune, save/load, predict, restore.</summary>
public class EndToEndTests
{
    [Test]
    [Category("Slow")] // pretrains and fine-tunes: about 25 s on a loaded 2-core machine
    public void PhantomCohort_GeneratePreparePretrainFineTunePredictRestore()
    {
        var generator = new ThighPhantomGenerator(new PhantomOptions { MatrixSize = 64, MinSlices = 8, MaxSlices = 12 });
        var prep = new Preprocessor(new PreprocessingOptions { TargetSize = 32, TargetSpacingMm = 6 });
        var subjects = Enumerable.Range(0, 3).Select(i => generator.GenerateCohortMember(11, i)).ToList();
        var prepared = subjects.Select(s => prep.Prepare(s.Image, s.Labels, s.SubjectId)).ToList();
        var network = new UNetOptions(baseFilters: 4, depth: 3);

        string pcl = TestSetup.TempDir();
        var pre = new ContrastivePretrainer(new PretrainOptions { Network = network, EmbeddingDim = 16, Schedule = new TrainingSchedule { Epochs = 2, StepsPerEpoch = 2, BatchSize = 8, LearningRate = 0.1, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 1, LogInterval = 10 } }, ComputeDevice.Cpu)
            .Pretrain(prepared.Take(2).SelectMany(p => p.Stacks).Select(s => new ThighSeg.Core.Data.SliceStack(s.SubjectId, s.Part, s.Width, s.Height, s.Depth, s.Image, null, [.. s.AxialMm!])).ToList(), pcl);
        Assert.That(pre.Steps, Is.EqualTo(4));

        var classes = ThighPhantomGenerator.LabelMap;
        var seg = new UNetSegmenter(new FineTuneOptions { Network = network, ValidationFraction = 0, Schedule = new TrainingSchedule { Epochs = 2, StepsPerEpoch = 3, BatchSize = 8, LearningRate = 3e-3, MinLearningRate = 1e-5, WeightDecay = 1e-5, Seed = 2, LogInterval = 10 } }, ComputeDevice.Cpu);
        var result = seg.FineTune(prepared[0].Stacks, pretrainedEncoder: pcl, classes: classes);
        string modelDir = TestSetup.TempDir();
        using (result.Model)
        {
            result.Model.Save(modelDir, ThighSeg.Torch.Inference.VolumeSegmenter.PreprocessingJson(prep.Options));
        }
        Assert.That(ModelArtifact.ReadManifest(modelDir).Training.Method, Is.EqualTo("finetune-from-pretrained"));

        // Direct path: network-space stacks, then back to the original geometry.
        using (var model = UNetSegmentationModel.Load(modelDir, ComputeDevice.Cpu))
        {
            var test = prepared[2];
            var direct = Preprocessor.Restore(test, test.Stacks.Select(s => model.Predict(s).Labels).ToList());
            Assert.That(direct.SameGeometry(subjects[2].Labels), Is.True);
        }

        // File-space path: the model folder rebuilds its preprocessing from the manifest.
        using var segmenter = ThighSeg.Torch.Inference.VolumeSegmenter.Load(modelDir, ComputeDevice.Cpu);
        var original = subjects[2];
        var prediction = segmenter.Predict(original.Image, new ThighSeg.Torch.Inference.VolumePredictionOptions(FlipTta: true, WithProbabilities: true));
        var restored = prediction.Labels;
        Assert.That(prediction.Probabilities, Has.Count.EqualTo(classes.Count));
        int i = Array.FindIndex(restored.Data, v => v != 0);
        Assert.That(i, Is.GreaterThanOrEqualTo(0), "some foreground is predicted");
        double sum = prediction.Probabilities!.Sum(p => p.Data[i]);
        Assert.That(sum, Is.EqualTo(1).Within(1e-3), "probabilities of a voxel sum to one");
        Assert.That(restored.Shape, Is.EqualTo(original.Labels.Shape));
        Assert.That(restored.SameGeometry(original.Labels), Is.True);
        Assert.That(restored.Data.Distinct(), Is.SubsetOf(classes.Values));
        Assert.That(restored.Data.Count(v => v != 0), Is.GreaterThan(0), "some foreground is predicted");
    }
}
