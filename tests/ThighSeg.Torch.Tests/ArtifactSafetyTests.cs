using System.Text.Json.Nodes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Training;

namespace ThighSeg.Torch.Tests;

/// <summary>Crafted manifests are refused before any tensor is allocated; corrupted weights are refused by their checksum.</summary>
public class ArtifactSafetyTests
{
    private static readonly UNetOptions Tiny = new(baseFilters: 4, depth: 2, norm: NormKind.Instance);

    private static string TrainAndSave(JsonObject? preprocessing = null)
    {
        var seg = new UNetSegmenter(new FineTuneOptions { Network = Tiny, ValidationFraction = 0, Schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = 1, BatchSize = 4, LearningRate = 1e-3, MinLearningRate = 1e-5, WeightDecay = 1e-5, Seed = 3, LogInterval = 10 } }, ComputeDevice.Cpu);
        using var model = (UNetSegmentationModel)seg.FineTune(Synthetic.Cohort(1, size: 16, depth: 4)).Model;
        string dir = TestSetup.TempDir();
        model.Save(dir, preprocessing ?? new JsonObject { ["normalisation"] = "zscore" });
        return dir;
    }

    [Test]
    public void Manifest_WithAHugeNetwork_IsRefusedBeforeAllocating()
    {
        string dir = TrainAndSave();
        string manifest = Path.Combine(dir, "manifest.json");
        var root = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        root["network"]!["baseFilters"] = 1024;
        root["network"]!["depth"] = 7;
        File.WriteAllText(manifest, root.ToJsonString());
        long before = GC.GetTotalAllocatedBytes();
        var ex = Assert.Throws<ModelFormatException>(() => UNetSegmentationModel.Load(dir, ComputeDevice.Cpu))!;
        Assert.That(ex.Message, Does.Contain("manifest.json").And.Contain("parameters").And.Contain("budget"));
        Assert.That(GC.GetTotalAllocatedBytes() - before, Is.LessThan(50_000_000));
    }

    [Test]
    public void Manifest_WithAHugeInputSize_IsRefused()
    {
        var prep = Core.Preprocessing.PreprocessingOptions.Default;
        var json = Inference.VolumeSegmenter.PreprocessingJson(prep with { TargetSize = 2048, TargetSpacingMm = 0.05 });
        string dir = TrainAndSave(json);
        // baseFilters 4 is tiny; make it a realistic 48 so that 2048x2048 slices exceed the activation budget.
        string manifest = Path.Combine(dir, "manifest.json");
        var root = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        root["network"]!["baseFilters"] = 48;
        File.WriteAllText(manifest, root.ToJsonString());
        var ex = Assert.Throws<ModelFormatException>(() => Inference.VolumeSegmenter.Load(dir, ComputeDevice.Cpu))!;
        Assert.That(ex.Message, Does.Contain("2048x2048").And.Contain("activations"));
        Assert.That(() => ModelArtifact.CheckBudget(new UNetOptions(48, 4), 256, "m"), Throws.Nothing, "the reference design fits");
    }

    [Test]
    public void Weights_With40FlippedBytes_AreRefusedByTheChecksum()
    {
        string dir = TrainAndSave();
        string weights = Path.Combine(dir, "model.bin");
        byte[] bytes = File.ReadAllBytes(weights);
        var rng = new Random(40);
        for (int i = 0; i < 40; i++)
        {
            int at = bytes.Length - 1 - rng.Next(bytes.Length / 2); // in the tensor data, where the format itself cannot notice
            bytes[at] ^= 0x5A;
        }
        File.WriteAllBytes(weights, bytes);
        var ex = Assert.Throws<ModelFormatException>(() => UNetSegmentationModel.Load(dir, ComputeDevice.Cpu))!;
        Assert.That(ex.Message, Does.Contain("SHA-256").And.Contain("model.bin"));
    }

    [Test]
    public void OldArtifacts_WithoutAChecksum_StillLoad()
    {
        string dir = TrainAndSave();
        string manifest = Path.Combine(dir, "manifest.json");
        var root = JsonNode.Parse(File.ReadAllText(manifest))!.AsObject();
        Assert.That(root["weightsSha256"]!.GetValue<string>(), Has.Length.EqualTo(64));
        root.Remove("weightsSha256");
        File.WriteAllText(manifest, root.ToJsonString());
        using var loaded = UNetSegmentationModel.Load(dir, ComputeDevice.Cpu);
        Assert.That(loaded.Network, Is.EqualTo(Tiny));
    }

    [Test]
    public void Manifest_WithALoneSurrogateOrUnknownKind_IsAModelFormatException()
    {
        string dir = TrainAndSave();
        string manifest = Path.Combine(dir, "manifest.json");
        string good = File.ReadAllText(manifest);
        File.WriteAllText(manifest, good.Replace("\"zscore\"", "\"\\ud800\"", StringComparison.Ordinal).Replace("\"method\": \"", "\"method\": \"\\udc00", StringComparison.Ordinal));
        Assert.Throws<ModelFormatException>(() => ModelArtifact.ReadManifest(dir));
        File.WriteAllText(manifest, good.Replace("\"kind\": \"segmentation\"", "\"kind\": \"7\"", StringComparison.Ordinal));
        Assert.That(Assert.Throws<ModelFormatException>(() => ModelArtifact.ReadManifest(dir))!.Message, Does.Contain("kind"));
    }
}
