using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using ThighSeg.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Tests;

/// <summary>Channels-last (NHWC) end to end through the U-Net: inputs, every activation, weights, gradients, after optimizer steps, also under bf16 autocast.</summary>
[TestFixture]
public sealed class ChannelsLastTests
{
    [TestCase(Precision.Fp32)]
    [TestCase(Precision.Bf16)]
    public void UNet_RunsNhwcEndToEnd_AndMatchesNchw(Precision precision)
    {
        using var scope = NewDisposeScope();
        var (x, y) = AutocastTests.Phantom(2, 32, seed: 3);
        using var reference = new UNet2d(new UNetOptions(4, 2), classes: 3, seed: 1);
        using var net = new UNet2d(new UNetOptions(4, 2), classes: 3, seed: 1);
        TorchPerformance.ModuleToChannelsLast(net);
        var xcl = TorchPerformance.ToChannelsLast(x);
        Assert.That(TorchPerformance.IsChannelsLast(xcl), Is.True);
        Assert.That(xcl.stride(), Is.EqualTo(new long[] { 32 * 32, 1, 32, 1 }), "C = 1: NHWC strides");

        // The activations after each kind of layer (TorchSharp hooks only fire through call(), which UNet2d does not
        // use, so the layers are applied one by one): convolution, batch norm, LeakyReLU, max-pool, every block output
        // (the skips and the centre), transposed convolution, concatenation, and the logits.
        var modules = net.named_modules().ToDictionary(m => m.name, m => m.module);
        var layouts = new List<(string Name, bool Nhwc)>();
        void Record(string name, Tensor t) => layouts.Add((name, TorchPerformance.IsChannelsLast(t)));
        Tensor logits;
        using (MixedPrecision.Autocast(precision, CPU))
        {
            var conv = (Conv2d)modules["encoder.levels.0.conv1"];
            var norm = (SafeBatchNorm2d)modules["encoder.levels.0.norm1"];
            var c = conv.forward(xcl);
            Record("conv", c);
            var n = norm.forward(c);
            Record("batch norm", n);
            Record("leaky relu", n.leaky_relu(0.01));
            var features = net.Encoder.Encode(xcl);
            for (int i = 0; i < features.Skips.Count; i++)
            {
                Record($"block {i}", features.Skips[i]);
                Record($"max-pool {i}", nn.functional.max_pool2d(features.Skips[i], 2, 2));
            }
            Record("centre", features.Deepest);
            var up = ((ConvTranspose2d)modules["ups.0"]).forward(features.Deepest);
            Record("transposed conv", up);
            Record("concatenation", torch.cat([up, features.Skips[^1]], 1));
            logits = net.forward(xcl);
            Record("logits", logits);
        }
        Tensor expected;
        using (MixedPrecision.Autocast(precision, CPU))
        {
            expected = reference.forward(x);
        }
        Assert.That(layouts, Has.Count.EqualTo(3 + (2 * 2) + 4));
        Assert.That(layouts.Where(l => !l.Nhwc).Select(l => l.Name), Is.Empty, "activations that left NHWC");
        Assert.That(TorchPerformance.IsChannelsLast(logits), Is.True);
        double tol = precision == Precision.Bf16 ? 5e-2 : 1e-4;
        double scale = MixedPrecision.ToFloat32(expected).abs().max().item<float>();
        Assert.That((MixedPrecision.ToFloat32(logits) - MixedPrecision.ToFloat32(expected)).abs().max().item<float>(), Is.LessThan(tol * scale), "same values as NCHW");

        using var adam = new AdamOptimizer([new ParameterGroup(net.parameters().ToList())], 1e-2);
        for (int s = 0; s < 2; s++)
        {
            using var step = NewDisposeScope();
            adam.ZeroGrad();
            Tensor l;
            using (MixedPrecision.Autocast(precision, CPU))
            {
                l = net.forward(xcl);
            }
            SegmentationLoss.Compute(MixedPrecision.ToFloat32(l), y, 1.0).backward();
            adam.Step();
        }
        var convWeights = net.named_modules().Select(m => m.module).OfType<Conv2d>().Select(c => c.weight!)
            .Concat(net.named_modules().Select(m => m.module).OfType<ConvTranspose2d>().Select(c => c.weight!)).ToList();
        Assert.That(convWeights, Has.Count.EqualTo(2 * 5 + 2 + 1));
        Assert.That(convWeights.All(w => w.dtype == ScalarType.Float32), Is.True);
        Assert.That(convWeights.Where(w => w.shape[2] > 1 || w.shape[3] > 1).All(TorchPerformance.IsChannelsLast), Is.True, "weights stay NHWC after Adam steps");
        Assert.That(convWeights.Where(w => w.grad is not null && (w.shape[2] > 1 || w.shape[3] > 1)).All(w => TorchPerformance.IsChannelsLast(w.grad!)), Is.True, "gradients are NHWC");
    }

    [Test]
    public void CudnnBenchmark_SetsAndReadsBack_ThroughTheInterop()
    {
        bool before = LibTorchInterop.Current.BenchmarkCuDnn;
        try
        {
            TorchPerformance.SetCudnnBenchmark(!before);
            Assert.That(TorchPerformance.CudnnBenchmarkEnabled, Is.EqualTo(!before));
        }
        finally
        {
            TorchPerformance.SetCudnnBenchmark(before);
        }
        Assert.That(TorchPerformance.CudnnBenchmarkEnabled, Is.EqualTo(before));
    }
}
