using Microsoft.ML;
using Microsoft.ML.Data;
using ThighSeg.Core.Phantoms;
using ThighSeg.IO;
using ThighSeg.Torch.Artifacts;

namespace ThighSeg.ML.Tests;

public sealed class SegmentationEstimatorTests
{
    private sealed class Prediction
    {
        public string PredictedMaskPath { get; set; } = "";

        public float[] MuscleVolumesMl { get; set; } = [];
    }

    private sealed class ImageOnly
    {
        public string ImagePath { get; set; } = "";
    }

    private static float[] Volumes(IDataView data, string column = DefaultColumnNames.MuscleVolumesMl) =>
        data.GetColumn<VBuffer<float>>(column).SelectMany(v => v.DenseValues()).ToArray();

    [Test]
    public void FitAndTransform_WritesMasksInTheInputGeometry_AndVolumesNamedByMuscle()
    {
        var ml = new MLContext(seed: 1);
        var messages = new List<string>();
        ml.Log += (_, e) => { lock (messages) { messages.Add(e.Message); } };
        string output = TinyCohort.NewFolder("predictions");
        using var model = ml.ThighSeg().Segmentation(TinyCohort.SegmentationOptions(output)).Fit(TinyCohort.Data(ml));

        var result = model.Transform(TinyCohort.Data(ml));
        var maskColumn = result.Schema[DefaultColumnNames.PredictedMaskPath];
        var volumeColumn = result.Schema[DefaultColumnNames.MuscleVolumesMl];
        Assert.That(maskColumn.Type, Is.EqualTo(TextDataViewType.Instance));
        Assert.That(volumeColumn.Type, Is.InstanceOf<VectorDataViewType>());
        VBuffer<ReadOnlyMemory<char>> slotNames = default;
        volumeColumn.Annotations.GetValue("SlotNames", ref slotNames);
        var names = slotNames.DenseValues().Select(m => m.ToString()).ToArray();
        Assert.That(names, Is.EqualTo(model.MuscleNames));
        Assert.That(names, Is.SubsetOf(ThighPhantomGenerator.LabelMap.Names.Values));
        Assert.That(names, Has.Length.EqualTo(model.Classes.Count - 1).And.Length.GreaterThan(5));

        var masks = result.GetColumn<string>(DefaultColumnNames.PredictedMaskPath).ToArray();
        var volumes = result.GetColumn<VBuffer<float>>(DefaultColumnNames.MuscleVolumesMl).Select(v => v.DenseValues().ToArray()).ToArray();
        Assert.That(masks, Has.Length.EqualTo(TinyCohort.Rows.Count));
        for (int i = 0; i < masks.Length; i++)
        {
            Assert.That(masks[i], Is.EqualTo(Path.Combine(output, Path.GetFileName(TinyCohort.Rows[i].ImagePath))));
            var image = VolumeFormats.Default.Read(TinyCohort.Rows[i].ImagePath).Image;
            var mask = VolumeFormats.Default.Read(masks[i]);
            Assert.That(mask.Image.Shape, Is.EqualTo(image.Shape));
            Assert.That(mask.Image.Affine.ApproximatelyEquals(image.Affine, 1e-5), Is.True);
            var (sx, sy, sz) = image.Spacing;
            double voxelMl = sx * sy * sz / 1000;
            for (int k = 0; k < names.Length; k++)
            {
                int value = model.Classes.Values[k + 1];
                double expected = mask.Image.Data.Count(v => (int)v == value) * voxelMl;
                Assert.That(volumes[i][k], Is.EqualTo(expected).Within(1e-3 * Math.Max(1, expected)), $"row {i}, {names[k]}");
            }
        }
        Assert.That(messages, Has.Some.Contains("Fine-tuning on 3 labelled volume(s), seed 11"));
        Assert.That(messages, Has.Some.Contains("finetune epoch 2/2"));
    }

    [Test]
    [Category("Slow")] // trains: 10-35 s on a loaded 2-core machine
    public void SaveAndLoad_ThroughMLNetZip_PredictsIdentically_InAPipeline()
    {
        var ml = new MLContext(seed: 1);
        string output = TinyCohort.NewFolder("roundtrip");
        var pipeline = ml.Transforms.CopyColumns("OriginalImagePath", DefaultColumnNames.ImagePath)
            .Append(ml.ThighSeg().Segmentation(TinyCohort.SegmentationOptions(output)));
        var data = TinyCohort.Data(ml);
        var fitted = pipeline.Fit(data);
        var before = fitted.Transform(data);
        var masksBefore = before.GetColumn<string>(DefaultColumnNames.PredictedMaskPath).Select(p => VolumeFormats.Default.Read(p).Image.Data).ToArray();
        var volumesBefore = Volumes(before);

        string zip = Path.Combine(TinyCohort.NewFolder("zip"), "model.zip");
        ml.Model.Save(fitted, data.Schema, zip);
        string weights = fitted.LastTransformer.Manifest.WeightsFile;
        byte[] weightBytes = File.ReadAllBytes(Path.Combine(fitted.LastTransformer.ModelDirectory, weights));
        fitted.LastTransformer.Dispose();
        foreach (string f in Directory.GetFiles(output))
        {
            File.Delete(f);
        }

        var ml2 = new MLContext(seed: 99);
        ml2.ThighSeg();
        var loaded = ml2.Model.Load(zip, out var inputSchema);
        Assert.That(inputSchema.GetColumnOrNull(DefaultColumnNames.ImagePath), Is.Not.Null);
        var segmentation = ((TransformerChain<ITransformer>)loaded).OfType<SegmentationTransformer>().Single();
        Assert.That(File.ReadAllBytes(Path.Combine(segmentation.ModelDirectory, weights)), Is.EqualTo(weightBytes));
        Assert.That(segmentation.OutputDirectory, Is.EqualTo(output));
        Assert.That(segmentation.Preprocessing, Is.EqualTo(TinyCohort.Preprocessing));

        var after = loaded.Transform(TinyCohort.Data(ml2));
        var masksAfter = after.GetColumn<string>(DefaultColumnNames.PredictedMaskPath).Select(p => VolumeFormats.Default.Read(p).Image.Data).ToArray();
        Assert.That(masksAfter, Is.EqualTo(masksBefore));
        Assert.That(Volumes(after), Is.EqualTo(volumesBefore));
        Assert.That(masksBefore.SelectMany(m => m).Distinct().Count(), Is.GreaterThan(1), "the model predicts some foreground");
        segmentation.Dispose();
    }

    [Test]
    public void PredictionEngine_ReturnsMaskPathAndVolumes()
    {
        var ml = new MLContext(seed: 1);
        using var model = ml.ThighSeg().Segmentation(TinyCohort.SegmentationOptions(TinyCohort.NewFolder("engine"))).Fit(TinyCohort.Data(ml));
        using var engine = ml.Model.CreatePredictionEngine<ImageOnly, Prediction>(model);
        var p = engine.Predict(new ImageOnly { ImagePath = TinyCohort.Rows[1].ImagePath });
        var direct = model.Segment(TinyCohort.Rows[1].ImagePath);
        Assert.That(p.PredictedMaskPath, Is.EqualTo(direct.MaskPath));
        Assert.That(p.MuscleVolumesMl, Is.EqualTo(direct.VolumesMl.ToArray()));
    }

    [Test]
    public void Seeding_KeepsEveryOtherFineTuningOption()
    {
        // Regression: the seed used to be applied by rebuilding the options by hand, which reset EncoderLearningRateScale to 1.
        var options = new ThighSeg.Core.Abstractions.FineTuneOptions { EncoderLearningRateScale = 0.1, DiceWeight = 0.5, EarlyStoppingPatience = 2 };
        var seeded = SegmentationEstimator.WithSeed(options, 17);
        Assert.That(seeded, Is.EqualTo(options with { Schedule = options.Schedule with { Seed = 17 } }));
        Assert.That(seeded.EncoderLearningRateScale, Is.EqualTo(0.1));
        var pretrain = new ThighSeg.Core.Abstractions.PretrainOptions { Threshold = 0.3, EmbeddingDim = 32 };
        Assert.That(EncoderPretrainingEstimator.WithSeed(pretrain, 4), Is.EqualTo(pretrain with { Schedule = pretrain.Schedule with { Seed = 4 } }));
    }

    [Test]
    [Category("Slow")] // trains: 10-35 s on a loaded 2-core machine
    public void SameContextSeed_GivesIdenticalWeights_AndOptionsSeedOverridesTheContext()
    {
        byte[] Weights(MLContext ml, int? seed)
        {
            using var m = ml.ThighSeg().Segmentation(TinyCohort.SegmentationOptions(TinyCohort.NewFolder("seed"), seed)).Fit(TinyCohort.Data(ml));
            return File.ReadAllBytes(Path.Combine(m.ModelDirectory, m.Manifest.WeightsFile));
        }

        byte[] a = Weights(new MLContext(seed: 5), null);
        byte[] b = Weights(new MLContext(seed: 5), null);
        byte[] c = Weights(new MLContext(seed: 6), null);
        Assert.That(b, Is.EqualTo(a));
        Assert.That(c, Is.Not.EqualTo(a));
        Assert.That(Weights(new MLContext(seed: 6), 42), Is.EqualTo(Weights(new MLContext(seed: 7), 42)));
    }

    [Test]
    public void Cancellation_FromATokenOrTheMLNetEnvironment_StopsFit()
    {
        var ml = new MLContext(seed: 1);
        var estimator = ml.ThighSeg().Segmentation(TinyCohort.SegmentationOptions(TinyCohort.NewFolder("cancel")));
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.That(() => estimator.Fit(TinyCohort.Data(ml), cts.Token), Throws.InstanceOf<OperationCanceledException>());
        // ML.NET's own cancellation (MLContext.CancelExecution, internal to ML.NET and used by AutoML) is honoured too.
        typeof(MLContext).GetMethod("CancelExecution", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Public)!
            .Invoke(ml, null);
        Assert.That(() => estimator.Fit(TinyCohort.Data(ml)), Throws.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void LoadSegmentationModel_WrapsAnArtifactFolder_ChecksItsInput_AndRejectsAMissingModel()
    {
        var ml = new MLContext(seed: 1);
        using var fitted = ml.ThighSeg().Segmentation(TinyCohort.SegmentationOptions(TinyCohort.NewFolder("a"))).Fit(TinyCohort.Data(ml));
        using var wrapped = ml.ThighSeg().LoadSegmentationModel(fitted.ModelDirectory, TinyCohort.NewFolder("b"));
        var x = fitted.Segment(TinyCohort.Rows[0].ImagePath);
        var y = wrapped.Segment(TinyCohort.Rows[0].ImagePath);
        Assert.That(y.VolumesMl, Is.EqualTo(x.VolumesMl));
        Assert.That(VolumeFormats.Default.Read(y.MaskPath).Image.Data, Is.EqualTo(VolumeFormats.Default.Read(x.MaskPath).Image.Data));

        // The transformer checks its input column, and never overwrites an input image with its prediction.
        var noImage = ml.Data.LoadFromEnumerable(new[] { new Prediction() });
        var ex = Assert.Throws<SchemaMismatchException>(() => wrapped.Transform(noImage));
        Assert.That(ex!.ColumnName, Is.EqualTo(DefaultColumnNames.ImagePath));
        string image = TinyCohort.Rows[0].ImagePath;
        byte[] original = File.ReadAllBytes(image);
        using var sameFolder = ml.ThighSeg().LoadSegmentationModel(fitted.ModelDirectory, Path.GetDirectoryName(image));
        Assert.That(() => sameFolder.Segment(image), Throws.TypeOf<ThighSeg.Core.ThighSegException>().With.Message.Contains("overwrite"));
        Assert.That(File.ReadAllBytes(image), Is.EqualTo(original));

        // Two inputs with the same file name in different folders would share one output file: the second is refused
        // and the first one's label map stays as it was.
        string twinDir = TinyCohort.NewFolder("twin");
        string twin = Path.Combine(twinDir, Path.GetFileName(TinyCohort.Rows[1].ImagePath));
        File.Copy(TinyCohort.Rows[1].ImagePath, twin);
        var first = wrapped.Segment(TinyCohort.Rows[1].ImagePath);
        byte[] firstMask = File.ReadAllBytes(first.MaskPath);
        Assert.That(() => wrapped.Segment(twin), Throws.TypeOf<ThighSeg.Core.ThighSegException>()
            .With.Message.Contains("have the same name").And.Message.Contains(TinyCohort.Rows[1].ImagePath));
        Assert.That(File.ReadAllBytes(first.MaskPath), Is.EqualTo(firstMask));
        Assert.That(wrapped.Segment(TinyCohort.Rows[1].ImagePath).MaskPath, Is.EqualTo(first.MaskPath), "the same input again is fine");

        // A model folder without a preprocessing description cannot map volumes to its input space: refused, clearly.
        string bare = TinyCohort.NewFolder("bare");
        foreach (string f in Directory.GetFiles(fitted.ModelDirectory))
        {
            File.Copy(f, Path.Combine(bare, Path.GetFileName(f)));
        }
        var manifest = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(bare, ModelArtifact.ManifestFile)))!.AsObject();
        Assert.That(manifest["preprocessing"]!["TargetSize"]!.GetValue<int>(), Is.EqualTo(TinyCohort.Preprocessing.TargetSize));
        manifest.Remove("preprocessing");
        File.WriteAllText(Path.Combine(bare, ModelArtifact.ManifestFile), manifest.ToJsonString());
        Assert.That(() => ml.ThighSeg().LoadSegmentationModel(bare),
            Throws.TypeOf<ThighSeg.Core.Abstractions.ModelFormatException>().With.Message.Contains("preprocessing"));

        Assert.That(() => ml.ThighSeg().LoadSegmentationModel(TinyCohort.NewFolder("empty")),
            Throws.TypeOf<ThighSeg.Core.Abstractions.ModelFormatException>().With.Message.Contains(ModelArtifact.ManifestFile));
    }
}
