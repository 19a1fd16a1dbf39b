using Microsoft.ML;
using ThighSeg.Core.Abstractions;
using ThighSeg.Torch;
using ThighSeg.Torch.Artifacts;

namespace ThighSeg.ML.Tests;

public sealed class PretrainingTests
{
    [Test]
    public void PretrainedEncoder_InitialisesFineTuning_AndSurvivesAnMLNetRoundTrip()
    {
        var ml = new MLContext(seed: 2);
        var data = TinyCohort.Data(ml);
        var options = new EncoderPretrainingEstimator.Options
        {
            Pretrain = new PretrainOptions { Method = ContrastiveMethod.Pcl, Network = TinyCohort.Network, EmbeddingDim = 8, Threshold = 0.2, Schedule = new TrainingSchedule { Epochs = 2, StepsPerEpoch = 2, BatchSize = 6, LearningRate = 0.05, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 0, LogInterval = 1 } },
            Preprocessing = TinyCohort.Preprocessing,
            Device = ComputeDevice.Cpu,
        };
        using var encoder = ml.ThighSeg().PretrainEncoder(options).Fit(data);
        Assert.That(encoder.Manifest.Kind, Is.EqualTo(ModelKind.Encoder));
        Assert.That(encoder.Manifest.Training.Method, Is.EqualTo("pcl"));
        Assert.That(encoder.LossHistory, Has.Count.EqualTo(2).And.All.Not.NaN);
        Assert.That(encoder.Transform(data), Is.SameAs(data));

        string zip = Path.Combine(TinyCohort.NewFolder("enc"), "encoder.zip");
        ml.Model.Save(encoder, data.Schema, zip);
        var ml2 = new MLContext(seed: 2);
        ml2.ThighSeg();
        using var loaded = (PretrainedEncoderTransformer)ml2.Model.Load(zip, out _);
        Assert.That(loaded.LossHistory, Is.EqualTo(encoder.LossHistory));
        Assert.That(File.ReadAllBytes(Path.Combine(loaded.ModelDirectory, loaded.Manifest.WeightsFile)),
            Is.EqualTo(File.ReadAllBytes(Path.Combine(encoder.ModelDirectory, encoder.Manifest.WeightsFile))));

        Assert.That(() => ml2.ThighSeg().LoadSegmentationModel(loaded.ModelDirectory),
            Throws.TypeOf<ModelFormatException>().With.Message.Contains("encoder"));

        var segOptions = TinyCohort.SegmentationOptions(TinyCohort.NewFolder("fromenc")) with { PretrainedEncoderDirectory = loaded.ModelDirectory };
        using var model = ml2.ThighSeg().Segmentation(segOptions).Fit(TinyCohort.Data(ml2));
        Assert.That(model.Manifest.Training.Method, Is.EqualTo("finetune-from-pretrained"));
        Assert.That(model.Manifest.Training.Initialisation, Does.Contain(loaded.ModelDirectory));
    }
}
