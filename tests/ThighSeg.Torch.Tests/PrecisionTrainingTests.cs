using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Augmentation;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using ThighSeg.Torch.Training;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Tests;

/// <summary><see cref="PerformanceOptions"/> wired through the one training loop, its objectives and prediction, on the CPU.</summary>
[TestFixture]
public sealed class PrecisionTrainingTests
{
    // The baselines are NCHW, so that the layout is a variable of its own (the library's default is channels-last).
    private static readonly PerformanceOptions Fp32Nchw = new() { ChannelsLast = false };
    private static readonly PerformanceOptions Bf16 = new() { Precision = Precision.Bf16, ChannelsLast = false };

    private static FineTuneOptions Options(PerformanceOptions performance, int epochs = 60, int seed = 1) => new()
    {
        Network = new UNetOptions(8, 3),
        ValidationFraction = 0,
        Augmentation = AugmentationOptions.None,
        Performance = performance,
        Schedule = new TrainingSchedule { Epochs = epochs, StepsPerEpoch = null, BatchSize = 8, LearningRate = 1e-2, MinLearningRate = 1e-3, WeightDecay = 1e-5, Seed = seed, LogInterval = 1000 },
    };

    private static double MeanDice(SliceStack stack, int[] predicted) =>
        (TrainingTests.ForegroundDice(stack.Labels!, predicted, 7101) + TrainingTests.ForegroundDice(stack.Labels!, predicted, 7201)) / 2;

    [Test]
    public void FineTuning_InBf16_ConvergesToWithin001Dice_OfFp32()
    {
        var train = Synthetic.Cohort(2, size: 32, depth: 8, seed: 4);
        var test = Synthetic.Stack("held-out", size: 32, depth: 8, seed: 77);
        double Run(PerformanceOptions performance)
        {
            var result = new UNetSegmenter(Options(performance, epochs: 30), ComputeDevice.Cpu).FineTune(train);
            using var model = result.Model;
            return MeanDice(test, model.Predict(test).Labels);
        }
        double fp32 = Run(Fp32Nchw);
        double bf16 = Run(Bf16);
        double bf16Nhwc = Run(Bf16 with { ChannelsLast = true });
        TestContext.Out.WriteLine($"held-out Dice: fp32 {fp32:F4}, bf16 {bf16:F4}, bf16 + channels-last {bf16Nhwc:F4}");
        Assert.Multiple(() =>
        {
            Assert.That(fp32, Is.GreaterThan(0.9), "fp32 converges");
            Assert.That(Math.Abs(bf16 - fp32), Is.LessThan(0.01), "bf16 within 0.01 Dice of fp32");
            Assert.That(Math.Abs(bf16Nhwc - fp32), Is.LessThan(0.01), "bf16 + channels-last within 0.01 Dice of fp32");
        });
    }

    [Test]
    public void SegmentationObjective_RunsTheForwardPassInBf16_AndTheLossInFp32()
    {
        using var scope = NewDisposeScope();
        var stack = Synthetic.Stack("s0", depth: 4, seed: 2);
        var batch = Enumerable.Range(0, 4).Select(k => new PositionalSlice(stack, k)).ToArray();
        var lookup = new LabelLookup(LabelMap.Generic([0, 7101, 7201]));
        using var net = new UNet2d(new UNetOptions(4, 2), 3, seed: 1);
        using var adam = new AdamOptimizer([new ParameterGroup(net.parameters().ToList())], 1e-3);
        var augmenter = new TensorAugmenter(AugmentationOptions.None);
        Tensor Loss(PerformanceOptions p) => new SegmentationObjective(net, adam, augmenter, lookup, 1.0, p, CPU).Loss(batch, new Random(1));

        Tensor bf16 = Loss(Bf16);
        Tensor fp32 = Loss(Fp32Nchw);
        // The same step by hand: only the forward pass under autocast, where the convolutions give bf16.
        Tensor images = TensorBridge.Images(batch, CPU), labels = TensorBridge.Labels(batch, lookup, CPU);
        Tensor logits;
        using (AutocastScope.Enter(CPU))
        {
            logits = net.forward(images);
        }
        Assert.That(logits.dtype, Is.EqualTo(ScalarType.BFloat16), "convolutions ran in bf16 under the scope");
        Tensor expected = SegmentationLoss.Compute(logits.to_type(ScalarType.Float32), labels, 1.0);
        Assert.Multiple(() =>
        {
            Assert.That(bf16.dtype, Is.EqualTo(ScalarType.Float32), "loss in fp32");
            Assert.That(bf16.item<float>(), Is.EqualTo(expected.item<float>()), "the objective's bf16 loss is the bf16 forward pass");
            Assert.That(bf16.item<float>(), Is.Not.EqualTo(fp32.item<float>()), "and differs from the fp32 one");
            Assert.That(AutocastScope.IsEnabled(CPU), Is.False, "autocast off after the step");
        });
        bf16.backward();
        Assert.That(net.parameters().All(p => p.dtype == ScalarType.Float32 && (p.grad is null || p.grad.dtype == ScalarType.Float32)), Is.True, "fp32 master weights and gradients");
    }

    /// <summary>An objective that records the dtype of the network output inside <see cref="MixedPrecision.Forward"/> and can fail on a given step.</summary>
    private sealed class ProbeObjective(UNet2d net, ParameterOptimizer optimizer, PerformanceOptions performance, int failAtStep) : ITrainingObjective
    {
        private int _step;

        public List<(ScalarType Raw, bool Autocast)> Seen { get; } = [];

        public nn.Module Module => net;

        public ParameterOptimizer Optimizer => optimizer;

        public Tensor Loss(IReadOnlyList<PositionalSlice> batch, Random rng)
        {
            if (++_step == failAtStep)
            {
                throw new InvalidOperationException("step failed");
            }
            var probe = new Probe(net, this);
            Tensor z = MixedPrecision.Forward(probe, TensorBridge.Images(batch, CPU), performance, CPU);
            return z.square().mean();
        }

        private sealed class Probe(UNet2d inner, ProbeObjective owner) : nn.Module<Tensor, Tensor>("probe")
        {
            public override Tensor forward(Tensor input)
            {
                Tensor y = inner.forward(input);
                owner.Seen.Add((y.dtype, AutocastScope.IsEnabled(CPU)));
                return y;
            }
        }
    }

    [Test]
    public void TrainingLoop_AutocastsEveryForwardPass_AndLeavesTheSwitchesOff_AlsoAfterAnException()
    {
        var stack = Synthetic.Stack("s0", depth: 4, seed: 2);
        var sampler = PositionalSliceSampler.ForStacks([stack], 1, requireLabels: false);
        var schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = 3, BatchSize = 2, LearningRate = 1e-3, Seed = 1, LogInterval = 1000 };
        var performance = Bf16 with { CudnnBenchmark = true };
        bool benchmarkBefore = TorchPerformance.CudnnBenchmarkEnabled;
        Assert.That(benchmarkBefore, Is.False);
        using var net = new UNet2d(new UNetOptions(4, 2), 3, seed: 1);
        using var adam = new AdamOptimizer([new ParameterGroup(net.parameters().ToList())], 1e-3);

        var ok = new ProbeObjective(net, adam, performance, failAtStep: -1);
        new TrainingLoop(schedule, "test", CPU, performance).Run(ok, sampler, null, [], null, CancellationToken.None);
        Assert.That(ok.Seen, Has.Count.EqualTo(3));
        Assert.That(ok.Seen, Has.All.EqualTo((ScalarType.BFloat16, true)), "bf16 convolutions inside the loop");
        Assert.That(AutocastScope.IsEnabled(CPU), Is.False, "autocast off after the run");
        Assert.That(TorchPerformance.CudnnBenchmarkEnabled, Is.False, "cuDNN autotuning restored after the run");

        var failing = new ProbeObjective(net, adam, performance, failAtStep: 2);
        Assert.Throws<InvalidOperationException>(() =>
            new TrainingLoop(schedule, "test", CPU, performance).Run(failing, sampler, null, [], null, CancellationToken.None));
        Assert.That(failing.Seen, Has.Count.EqualTo(1));
        Assert.That(AutocastScope.IsEnabled(CPU), Is.False, "autocast off after an exception");
        Assert.That(TorchPerformance.CudnnBenchmarkEnabled, Is.False, "cuDNN autotuning restored after an exception");

        var fp32 = new ProbeObjective(net, adam, Fp32Nchw, failAtStep: -1);
        new TrainingLoop(schedule, "test", CPU).Run(fp32, sampler, null, [], null, CancellationToken.None);
        Assert.That(fp32.Seen, Has.All.EqualTo((ScalarType.Float32, false)), "fp32 by default");
    }

    [Test]
    public void Bf16Run_IsReproducedExactly_BySeed()
    {
        var train = Synthetic.Cohort(2, size: 32, depth: 4, seed: 5);
        var options = Options(Bf16 with { ChannelsLast = true }, epochs: 3, seed: 11);
        string dirA = TestSetup.TempDir(), dirB = TestSetup.TempDir();
        var a = new UNetSegmenter(options, ComputeDevice.Cpu).FineTune(train);
        var b = new UNetSegmenter(options, ComputeDevice.Cpu).FineTune(train);
        using (a.Model)
        using (b.Model)
        {
            a.Model.Save(dirA);
            b.Model.Save(dirB);
        }
        Assert.That(b.LossHistory, Is.EqualTo(a.LossHistory));
        Assert.That(File.ReadAllBytes(Path.Combine(dirB, "model.bin")), Is.EqualTo(File.ReadAllBytes(Path.Combine(dirA, "model.bin"))));
        var other = new UNetSegmenter(options with { Schedule = options.Schedule with { Seed = 12 } }, ComputeDevice.Cpu).FineTune(train);
        other.Model.Dispose();
        Assert.That(other.LossHistory, Is.Not.EqualTo(a.LossHistory), "another seed gives another run");
    }

    [Test]
    public void Prediction_InBf16AndChannelsLast_GivesLabelsCloseToFp32_FromTheSavedModel()
    {
        var train = Synthetic.Cohort(2, size: 32, depth: 8, seed: 6);
        var test = Synthetic.Stack("held-out", size: 32, depth: 8, seed: 78);
        string dir = TestSetup.TempDir();
        var result = new UNetSegmenter(Options(Fp32Nchw, epochs: 12), ComputeDevice.Cpu).FineTune(train);
        using (result.Model)
        {
            result.Model.Save(dir);
        }
        int[] Predict(PerformanceOptions p)
        {
            using var model = UNetSegmentationModel.Load(dir, ComputeDevice.Cpu, p);
            Assert.That(model.Performance, Is.EqualTo(p));
            Assert.That(model.Net.parameters().Where(w => w.dim() == 4).All(TorchPerformance.IsChannelsLast), Is.EqualTo(p.ChannelsLast), "weights follow the layout");
            return model.Predict(test, flipTta: true).Labels;
        }
        int[] fp32 = Predict(Fp32Nchw);
        int[] bf16 = Predict(Bf16);
        int[] bf16Nhwc = Predict(Bf16 with { ChannelsLast = true });
        int[] fp32Nhwc = Predict(new PerformanceOptions { ChannelsLast = true });
        double Agreement(int[] x) => x.Zip(fp32).Count(p => p.First == p.Second) / (double)fp32.Length;
        TestContext.Out.WriteLine($"voxels equal to fp32: bf16 {Agreement(bf16):P3}, bf16+NHWC {Agreement(bf16Nhwc):P3}, fp32+NHWC {Agreement(fp32Nhwc):P3}");
        Assert.Multiple(() =>
        {
            Assert.That(MeanDice(test, fp32), Is.GreaterThan(0.7), "a model worth comparing");
            Assert.That(Agreement(bf16), Is.GreaterThan(0.99));
            Assert.That(Agreement(bf16Nhwc), Is.GreaterThan(0.99));
            Assert.That(Agreement(fp32Nhwc), Is.GreaterThan(0.999));
            Assert.That(Math.Abs(MeanDice(test, bf16) - MeanDice(test, fp32)), Is.LessThan(0.01));
        });
    }

    [Test]
    public void ChannelsLastWeights_SaveToTheSameBytesAsNchw_AndLoadKeepingTheirLayout()
    {
        using var scope = NewDisposeScope();
        using var nchw = new UNet2d(new UNetOptions(4, 2), 3, seed: 1);
        using var nhwc = new UNet2d(new UNetOptions(4, 2), 3, seed: 1);
        TorchPerformance.ModuleToChannelsLast(nhwc);
        byte[] Bytes(Action<BinaryWriter> write)
        {
            using var ms = new MemoryStream();
            using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
            {
                write(w);
            }
            return ms.ToArray();
        }
        byte[] reference = Bytes(w => nchw.save(w));
        Assert.That(Bytes(w => ModuleState.Save(nhwc, w)), Is.EqualTo(reference), "TorchSharp's format, byte for byte");

        using var other = new UNet2d(new UNetOptions(4, 2), 3, seed: 2);
        TorchPerformance.ModuleToChannelsLast(other);
        using (var r = new BinaryReader(new MemoryStream(reference)))
        {
            ModuleState.Load(other, r);
        }
        var weights = other.parameters().Where(p => p.dim() == 4).ToList();
        Assert.That(weights, Is.Not.Empty);
        Assert.That(weights.All(TorchPerformance.IsChannelsLast), Is.True, "layout kept");
        Assert.That(other.parameters().Zip(nchw.parameters()).All(p => p.First.sub(p.Second).abs().max().item<float>() == 0f), Is.True, "values loaded");
    }

    [Test]
    public void PerformanceOptions_AreRecordedInTheModelProvenance()
    {
        var train = Synthetic.Cohort(1, size: 32, depth: 4, seed: 5);
        var performance = Bf16 with { ChannelsLast = true };
        var result = new UNetSegmenter(Options(performance, epochs: 1), ComputeDevice.Cpu).FineTune(train);
        using var model = (UNetSegmentationModel)result.Model;
        var recorded = model.Provenance.Options!["Performance"]!.AsObject();
        Assert.That(recorded["Precision"]!.GetValue<string>(), Is.EqualTo("Bf16"));
        Assert.That(recorded["ChannelsLast"]!.GetValue<bool>(), Is.True);
    }
}
