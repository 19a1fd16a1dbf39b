using Microsoft.ML;
using Microsoft.ML.Data;
using ThighSeg.Core;
using ThighSeg.Core.Abstractions;
using ThighSeg.Torch;
using ThighSeg.Torch.Artifacts;

namespace ThighSeg.ML.Tests;

public sealed class PretrainingTests
{
    private static EncoderPretrainingEstimator.Options TinyPretraining(UNetOptions network) => new()
    {
        Pretrain = new PretrainOptions { Method = ContrastiveMethod.Pcl, Network = network, EmbeddingDim = 8, Threshold = 0.2, Schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = 2, BatchSize = 6, LearningRate = 0.05, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 0, LogInterval = 1 } },
        Preprocessing = TinyCohort.Preprocessing,
        Device = ComputeDevice.Cpu,
    };

    [Test]
    [Category("Slow")] // trains: 10-35 s on a loaded 2-core machine
    public void PretrainEncoder_AppendSegmentation_FineTunesFromTheEncoderItJustPretrained()
    {
        var ml = new MLContext(seed: 3);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) { messages.Add(e.Message); } };
        var chain = ml.ThighSeg().PretrainEncoder(TinyPretraining(TinyCohort.Network))
            .Append(ml.ThighSeg().Segmentation(TinyCohort.SegmentationOptions(TinyCohort.NewFolder("chain"))));

        var fitted = chain.Fit(TinyCohort.Data(ml));
        try
        {
            var encoder = (PretrainedEncoderTransformer)fitted.First();
            var model = fitted.LastTransformer;
            Assert.That(model.Manifest.Training.Method, Is.EqualTo("finetune-from-pretrained"));
            Assert.That(model.Manifest.Training.Initialisation, Does.Contain(encoder.ModelDirectory));
            Assert.That(messages, Has.Some.Contains("Pretraining done"));
            // The fitted chain predicts through both transformers.
            var masks = fitted.Transform(TinyCohort.Data(ml)).GetColumn<string>(DefaultColumnNames.PredictedMaskPath).ToArray();
            Assert.That(masks, Has.Length.EqualTo(TinyCohort.Rows.Count).And.All.Matches<string>(File.Exists));
        }
        finally
        {
            foreach (var t in fitted)
            {
                (t as IDisposable)?.Dispose();
            }
        }
    }

    [Test]
    public void PretrainEncoder_AppendSegmentation_RefusesADifferentNetwork_NamingBoth()
    {
        var ml = new MLContext(seed: 3);
        var chain = ml.ThighSeg().PretrainEncoder(TinyPretraining(new UNetOptions(baseFilters: 2, depth: 3)))
            .Append(ml.ThighSeg().Segmentation(TinyCohort.SegmentationOptions(TinyCohort.NewFolder("chain-bad"))));

        var ex = Assert.Throws<ThighSegException>(() => chain.Fit(TinyCohort.Data(ml)));
        Assert.That(ex!.Message, Does.Contain("F=2").And.Contain("F=4").And.Contain("same network options"));
    }

    [Test]
    public void PretrainEncoder_ThenOtherTransforms_ThenSegmentation_StillFindsTheEncoder()
    {
        // A transform appended between the two estimators wraps the encoder's output view; the encoder must still be
        // found (here: refused for its different network, which proves it was found, without a fine-tuning).
        var ml = new MLContext(seed: 3);
        var chain = ml.ThighSeg().PretrainEncoder(TinyPretraining(new UNetOptions(baseFilters: 2, depth: 3)))
            .Append(ml.Transforms.CopyColumns("ImageCopy", DefaultColumnNames.ImagePath))
            .Append(ml.Transforms.CopyColumns("ImageCopy2", "ImageCopy"))
            .Append(ml.ThighSeg().Segmentation(TinyCohort.SegmentationOptions(TinyCohort.NewFolder("chain-between"))));

        var ex = Assert.Throws<ThighSegException>(() => chain.Fit(TinyCohort.Data(ml)));
        Assert.That(ex!.Message, Does.Contain("F=2").And.Contain("F=4").And.Contain("same network options"));
    }

    [Test]
    [Category("Slow")] // trains: 10-35 s on a loaded 2-core machine
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
        var passed = encoder.Transform(data);
        Assert.That(passed.Schema.Select(c => (c.Name, c.Type)), Is.EqualTo(data.Schema.Select(c => (c.Name, c.Type))));
        Assert.That(passed.GetColumn<string>(DefaultColumnNames.ImagePath), Is.EqualTo(data.GetColumn<string>(DefaultColumnNames.ImagePath)));

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
