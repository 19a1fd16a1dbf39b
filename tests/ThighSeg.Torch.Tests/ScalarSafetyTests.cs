using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using ThighSeg.Torch.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Tests;

/// <summary>
/// The optimizers and the batch-norm module that replace TorchSharp's (whose implicit temporary Scalars can be freed by
/// the garbage collector mid-call): same numbers as TorchSharp's/PyTorch's formulas, and training survives a thread
/// that forces garbage collections and finalisers continuously.
/// </summary>
public class ScalarSafetyTests
{
    [OneTimeSetUp]
    public void Init() => TorchBackend.Initialize();

    private static (Linear Ours, Linear Theirs) TwinLinear(long seed)
    {
        manual_seed(seed);
        var a = nn.Linear(6, 3);
        var b = nn.Linear(6, 3);
        using (no_grad())
        {
            b.weight!.copy_(a.weight!);
            b.bias!.copy_(a.bias!);
        }
        return (a, b);
    }

    private static void Steps(Linear net, Action zero, Action step, int steps)
    {
        var gen = new Generator(5);
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            var x = randn([8, 6], generator: gen);
            zero();
            var loss = net.forward(x).pow(2).mean();
            loss.backward();
            step();
        }
    }

    [Test]
    public void Adam_MatchesTorchSharpAdam()
    {
        var (ours, theirs) = TwinLinear(1);
        using (ours)
        using (theirs)
        using (var mine = new AdamOptimizer([new ParameterGroup(ours.parameters().ToList())], 0.01, weightDecay: 1e-3))
        using (var reference = optim.Adam(theirs.parameters(), 0.01, beta1: 0.9, beta2: 0.999, weight_decay: 1e-3))
        {
            Steps(ours, mine.ZeroGrad, mine.Step, 20);
            Steps(theirs, reference.zero_grad, () => reference.step(), 20);
            Assert.That(ours.weight!.allclose(theirs.weight!, rtol: 1e-5, atol: 1e-6), Is.True);
            Assert.That(ours.bias!.allclose(theirs.bias!, rtol: 1e-5, atol: 1e-6), Is.True);
            Assert.That(mine.Steps, Is.EqualTo(20));
        }
    }

    [Test]
    public void Sgd_MatchesTorchSharpSgd()
    {
        var (ours, theirs) = TwinLinear(2);
        using (ours)
        using (theirs)
        using (var mine = new SgdOptimizer([new ParameterGroup(ours.parameters().ToList())], 0.05, momentum: 0.9, weightDecay: 1e-5))
        using (var reference = optim.SGD(theirs.parameters(), 0.05, momentum: 0.9, weight_decay: 1e-5))
        {
            Steps(ours, mine.ZeroGrad, mine.Step, 20);
            Steps(theirs, reference.zero_grad, () => reference.step(), 20);
            Assert.That(ours.weight!.allclose(theirs.weight!, rtol: 1e-5, atol: 1e-6), Is.True);
        }
    }

    [Test]
    public void ParameterGroup_ScalesTheLearningRate_AndFrozenGroupStaysPut()
    {
        using var net = nn.Linear(6, 3);
        var before = net.weight!.detach().clone();
        using var sgd = new SgdOptimizer([new ParameterGroup([net.weight!], 0.0), new ParameterGroup([net.bias!], 1.0)], 0.1, 0.0, 0.0);
        var biasBefore = net.bias!.detach().clone();
        Steps(net, sgd.ZeroGrad, sgd.Step, 3);
        Assert.That(net.weight!.allclose(before, rtol: 0, atol: 0), Is.True);
        Assert.That(net.bias!.allclose(biasBefore, rtol: 0, atol: 0), Is.False);
    }

    [Test]
    public void OptimizerState_RoundTrips_AndRefusesOtherKinds()
    {
        using var net = nn.Linear(6, 3);
        using var adam = new AdamOptimizer([new ParameterGroup(net.parameters().ToList())], 0.01);
        Steps(net, adam.ZeroGrad, adam.Step, 3);
        using var ms = new MemoryStream();
        using (var w = new BinaryWriter(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            adam.Save(w);
        }
        using var copy = new AdamOptimizer([new ParameterGroup(net.parameters().ToList())], 0.01);
        ms.Position = 0;
        using (var r = new BinaryReader(ms, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            copy.Load(r);
        }
        Assert.That(copy.Steps, Is.EqualTo(3));
        using var sgd = new SgdOptimizer([new ParameterGroup(net.parameters().ToList())], 0.01, 0.9, 0);
        ms.Position = 0;
        using var r2 = new BinaryReader(ms);
        Assert.Throws<InvalidDataException>(() => sgd.Load(r2));
    }

    [Test]
    public void BatchNorm_MatchesPyTorchSemantics_InTrainingAndEvaluation()
    {
        using var ours = new SafeBatchNorm2d(4);
        var gen = new Generator(3);
        using var x = randn([5, 4, 6, 6], generator: gen).mul_(3.0).add_(1.5);
        using var trainOut = ours.forward(x);
        // Training: batch statistics (biased variance); running stats move by momentum 0.1 with the unbiased variance.
        using var mean = x.mean([0, 2, 3], keepdim: true);
        using var varBiased = x.var([0, 2, 3], unbiased: false, keepdim: true);
        using var expected = (x - mean) / (varBiased + 1e-5).sqrt();
        Assert.That(trainOut.allclose(expected, rtol: 1e-4, atol: 1e-5), Is.True);
        using var runMean = mean.flatten() * 0.1;
        Assert.That(ours.get_buffer("running_mean")!.allclose(runMean, rtol: 1e-5, atol: 1e-6), Is.True);
        Assert.That(ours.get_buffer("num_batches_tracked")!.item<long>(), Is.EqualTo(1));

        // Evaluation: the running statistics, not the batch's.
        ours.eval();
        using var evalOut = ours.forward(x);
        using var rm = ours.get_buffer("running_mean")!.reshape(1, 4, 1, 1);
        using var rv = ours.get_buffer("running_var")!.reshape(1, 4, 1, 1);
        using var expectedEval = (x - rm) / (rv + 1e-5).sqrt();
        Assert.That(evalOut.allclose(expectedEval, rtol: 1e-4, atol: 1e-5), Is.True);
        Assert.That(ours.get_buffer("num_batches_tracked")!.item<long>(), Is.EqualTo(1));

        var names = ours.state_dict().Keys.Order(StringComparer.Ordinal).ToArray();
        Assert.That(names, Is.EqualTo(new[] { "bias", "num_batches_tracked", "running_mean", "running_var", "weight" }));
    }

    [Test]
    [Category("Slow")] // 600 steps under a thread forcing collections: minutes on a loaded 2-core machine
    public void TrainingSteps_SurviveContinuousGarbageCollection([Values(NormKind.Batch, NormKind.Instance)] NormKind norm)
    {
        // With a thread forcing collections and finalisers, an implicit TorchSharp Scalar anywhere on these paths (for
        // example leaky_relu(0.01) in the U-Net) kills the loop within about a thousand steps; ThighSeg's must not.
        var unet = new UNetOptions(2, 2, norm: norm);
        var pretrain = new PretrainOptions { Method = ContrastiveMethod.Pcl, Network = unet, EmbeddingDim = 8, Threshold = 0.3, Schedule = new TrainingSchedule { Epochs = 300, StepsPerEpoch = null, BatchSize = 32, LearningRate = 0.1, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 1, LogInterval = 10 } };
        var stacks = Synthetic.Cohort(2, size: 8, depth: 4, seed: 2);
        var batch = stacks.SelectMany(s => Enumerable.Range(0, s.Depth).Select(k => new ThighSeg.Core.Data.PositionalSlice(s, k))).Take(4).ToArray();
        var lookup = new ThighSeg.Torch.Data.LabelLookup(ThighSeg.Core.Data.LabelMap.Generic([0, 7101, 7201]));
        var augmenter = new ThighSeg.Torch.Augmentation.TensorAugmenter(new AugmentationOptions());
        using var unetNet = new UNet2d(unet, 3, seed: 1);
        using var contrastive = new ContrastiveNetwork(unet, 8, seed: 2);
        using var adam = new AdamOptimizer([new ParameterGroup(unetNet.parameters().ToList())], 1e-3, weightDecay: 1e-5);
        using var sgd = new SgdOptimizer([new ParameterGroup(contrastive.parameters().ToList())], 0.01, 0.9, 1e-5);
        var fineObjective = new SegmentationObjective(unetNet, adam, augmenter, lookup, 1.0, PerformanceOptions.Default, CPU);
        var preObjective = new ContrastiveObjective(contrastive, sgd, augmenter, pretrain, CPU);
        var rng = new Random(3);
        using var stress = new GcStress();
        for (int i = 0; i < 400; i++)
        {
            using var scope = NewDisposeScope();
            Tensor fine = fineObjective.Loss(batch, rng);
            adam.ZeroGrad();
            fine.backward();
            adam.Step();
            Tensor pre = preObjective.Loss(batch, rng);
            sgd.ZeroGrad();
            pre.backward();
            sgd.Step();
        }
        using var model = new UNetSegmentationModel(new UNet2d(unet, 3, seed: 1), CPU, ThighSeg.Core.Data.LabelMap.Generic([0, 7101, 7201]), null!, null);
        using (no_grad())
        {
            for (int i = 0; i < 200; i++)
            {
                using var scope = NewDisposeScope();
                model.Probabilities(ThighSeg.Torch.Data.TensorBridge.Images(batch, CPU), flipTta: true);
            }
        }
        Assert.That(stress.Collections, Is.GreaterThan(10), "the stress thread did not run");
    }

    /// <summary>A background thread that allocates, collects and runs finalisers in a loop until disposed.</summary>
    private sealed class GcStress : IDisposable
    {
        private readonly Thread _thread;
        private volatile bool _stop;
        private int _collections;

        public GcStress()
        {
            _thread = new Thread(() =>
            {
                while (!_stop)
                {
                    GC.KeepAlive(new byte[1 << 16]);
                    GC.Collect();
                    GC.WaitForPendingFinalizers();
                    Interlocked.Increment(ref _collections);
                }
            })
            { IsBackground = true };
            _thread.Start();
        }

        public int Collections => Volatile.Read(ref _collections);

        public void Dispose()
        {
            _stop = true;
            _thread.Join();
        }
    }
}
