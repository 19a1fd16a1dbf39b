using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Models;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Tests;

public class UNetTests
{
    [Test]
    public void Forward_GivesLogitsOfInputSize_AndEncoderGivesDeepestFeatures()
    {
        using var scope = NewDisposeScope();
        var opt = new UNetOptions(baseFilters: 4, depth: 4);
        using var net = new UNet2d(opt, classes: 3, seed: 1);
        var x = randn(2, 1, 32, 48);
        var y = net.forward(x);
        Assert.That(y.shape, Is.EqualTo(new long[] { 2, 3, 32, 48 }));
        var f = net.Encoder.Encode(x);
        Assert.That(f.Deepest.shape, Is.EqualTo(new long[] { 2, 64, 2, 3 }));
        Assert.That(f.Skips.Select(s => s.shape[1]), Is.EqualTo(new long[] { 4, 8, 16, 32 }));
        using var head = new ContrastiveNetwork(opt, 16, seed: 1);
        Assert.That(head.forward(x).shape, Is.EqualTo(new long[] { 2, 16 }));
    }

    [Test]
    public void Initialisation_IsSeeded_AndKaimingScaled()
    {
        var opt = new UNetOptions(baseFilters: 8, depth: 2, norm: NormKind.Instance);
        using var a = new UNet2d(opt, 2, seed: 5);
        using var b = new UNet2d(opt, 2, seed: 5);
        using var c = new UNet2d(opt, 2, seed: 6);
        var pa = a.parameters().ToList();
        var pb = b.parameters().ToList();
        var pc = c.parameters().ToList();
        Assert.That(pa.Zip(pb).All(t => t.First.allclose(t.Second, 0, 0)), Is.True);
        Assert.That(pa.Zip(pc).Any(t => !t.First.allclose(t.Second, 0, 0)), Is.True);
        // centre conv2: fan_in = 32*9 -> std = sqrt(2/(1+1e-4))/sqrt(288) ~ 0.0833
        var w = a.named_parameters().First(p => p.name.Contains("centre") && p.name.Contains("conv2")).parameter;
        Assert.That(w.std().item<float>(), Is.EqualTo(Math.Sqrt(2 / 1.0001) / Math.Sqrt(32 * 9)).Within(0.005));
        Assert.That(a.named_parameters().Count(p => p.name.StartsWith("output", StringComparison.Ordinal)), Is.EqualTo(1), "bias-free output conv");
    }

    [Test]
    public void Options_RejectOutOfRangeValues_NamingTheParameter()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new UNetOptions(baseFilters: 0));
        Assert.That(ex!.ParamName, Is.EqualTo("BaseFilters"));
        Assert.That(ex.Message, Does.Contain("got 0"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new UNetOptions() with { Depth = 8 });
        Assert.That((new UNetOptions() with { BaseFilters = 16 }).BaseFilters, Is.EqualTo(16));
        Assert.Throws<ArgumentException>(() => new UNetOptions(depth: 4).ValidateInputSize(40, 32));
    }
}
