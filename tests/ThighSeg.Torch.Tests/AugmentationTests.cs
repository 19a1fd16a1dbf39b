using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Augmentation;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Tests;

public class AugmentationTests
{
    private static (Tensor Image, Tensor Labels) Batch()
    {
        var stack = Synthetic.Stack("a", size: 32, depth: 6, seed: 1);
        var labels = tensor(stack.Labels!.Select(v => v == 0 ? 0L : v == 7101 ? 1L : 2L).ToArray(), [6, 32, 32]);
        return (tensor(stack.Image, [6, 1, 32, 32]), labels);
    }

    [Test]
    public void None_IsTheIdentity()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Batch();
        var (ax, ay) = new TensorAugmenter(AugmentationOptions.None).Apply(x, y, new Random(1));
        Assert.That(ax.eq(x).all().item<bool>() && ay!.eq(y).all().item<bool>(), Is.True);
    }

    [Test]
    public void CertainFlips_MirrorImageAndLabelsExactly()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Batch();
        var aug = new TensorAugmenter(new AugmentationOptions(flipProbability: 1, spatialProbability: 0, minCropFraction: 1));
        var (ax, ay) = aug.Apply(x, y, new Random(1));
        Assert.That(ax.allclose(x.flip(2, 3), rtol: 0, atol: 1e-5), Is.True);
        Assert.That(ay!.eq(y.flip(1, 2)).all().item<bool>(), Is.True);
    }

    [Test]
    public void SpatialTransform_MovesImageAndLabelsTogether()
    {
        using var scope = NewDisposeScope();
        var (_, y) = Batch();
        var x = y.unsqueeze(1).to_type(ScalarType.Float32); // the image *is* the label map
        var aug = new TensorAugmenter(new AugmentationOptions(spatialProbability: 1, elasticProbability: 1, maxRotationDegrees: 30));
        var (ax, ay) = aug.Apply(x, y, new Random(5));
        Assert.That(ay!.dtype, Is.EqualTo(ScalarType.Int64));
        Assert.That(ay.unique().Item1.data<long>().ToArray(), Is.SubsetOf(new long[] { 0, 1, 2 }));
        double agree = ax.squeeze(1).round().to_type(ScalarType.Int64).eq(ay).to_type(ScalarType.Float32).mean().item<float>();
        Assert.That(agree, Is.GreaterThan(0.93), "bilinear image and nearest labels disagree only at boundaries");
        Assert.That(ay.eq(y).all().item<bool>(), Is.False, "the transform changed something");
    }

    [Test]
    public void SameSeed_GivesSameAugmentation_OtherSeedDiffers()
    {
        using var scope = NewDisposeScope();
        var (x, y) = Batch();
        var aug = new TensorAugmenter(new AugmentationOptions(intensityProbability: 1));
        var a = aug.Apply(x, y, new Random(3));
        var b = aug.Apply(x, y, new Random(3));
        var c = aug.Apply(x, y, new Random(4));
        Assert.That(a.Image.eq(b.Image).all().item<bool>() && a.Labels!.eq(b.Labels!).all().item<bool>(), Is.True);
        Assert.That(a.Image.eq(c.Image).all().item<bool>(), Is.False);
    }

    [Test]
    public void Options_RejectInvalidScaleRange()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new AugmentationOptions(minScale: 1.2, maxScale: 1.0));
        Assert.That(ex!.ParamName, Is.EqualTo("maxScale"));
    }
}
