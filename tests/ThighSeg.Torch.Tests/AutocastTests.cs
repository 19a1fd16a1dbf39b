using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using ThighSeg.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Tests;

/// <summary>bf16 autocast through libtorch's exported entry points (<see cref="LibTorchInterop"/>, <see cref="AutocastScope"/>), on the CPU.</summary>
[TestFixture]
public sealed class AutocastTests
{
    private static Tensor ConvOut(nn.Module<Tensor, Tensor> conv, Tensor x) => conv.forward(x);

    [Test]
    public void Interop_BindsTheLoadedLibTorch_AndReadsItsVersion()
    {
        var interop = LibTorchInterop.Current;
        Assert.Multiple(() =>
        {
            Assert.That(Path.GetFileName(interop.LibraryPath), Does.StartWith("libtorch_cpu.so"));
            Assert.That(File.Exists(interop.LibraryPath), Is.True, interop.LibraryPath);
            Assert.That(interop.Version, Is.GreaterThanOrEqualTo(LibTorchInterop.MinimumVersion));
            Assert.That(interop.Version.Major, Is.EqualTo(2));
        });
    }

    [Test]
    public void Interop_ReportsAMissingSymbol_ByName_WithoutCrashing()
    {
        string path = LibTorchInterop.Current.LibraryPath;
        const string bogus = "_ZN2at8autocast27thighseg_no_such_function_vEv";
        var ex = Assert.Throws<LibTorchInteropException>(() => LibTorchInterop.Bind(path,
            new Dictionary<string, string> { [LibTorchInterop.SetAutocastEnabledSymbol] = bogus }));
        Assert.That(ex!.Message, Does.Contain(bogus).And.Contain(path).And.Contain("1 of the"));
        Assert.That(ex, Is.InstanceOf<ThighSeg.Core.ThighSegException>());
    }

    [Test]
    public void Interop_ReportsALibraryThatCannotBeLoaded()
    {
        string missing = Path.Combine(TestSetup.TempDir(), "libtorch_cpu.so");
        var ex = Assert.Throws<LibTorchInteropException>(() => LibTorchInterop.Bind(missing));
        Assert.That(ex!.Message, Does.Contain(missing));
    }

    [TestCase("2.10.0", true)]
    [TestCase("2.11.0+cu130", true)]
    [TestCase("1.13.0a0", false)]
    [TestCase("2.9.1", false)]
    [TestCase("3.0.0", false)]
    public void VersionPolicy_AcceptsLibTorch210AndNewer2x(string text, bool supported)
    {
        var v = LibTorchInterop.ParseVersion(text)!;
        Assert.That(LibTorchInterop.CheckVersion(v) is null, Is.EqualTo(supported), text);
    }

    [Test]
    public void Convolution_RunsInBf16_InsideTheScope_AndInFp32_Outside()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(2, 4, 3, padding: 1);
        var x = randn(2, 2, 8, 8);
        Assert.That(AutocastScope.IsEnabled(CPU), Is.False);
        using (var ac = AutocastScope.Enter(CPU))
        {
            Assert.That(ac.Enabled, Is.True);
            Assert.That(AutocastScope.IsEnabled(CPU), Is.True);
            var y = ConvOut(conv, x);
            Assert.That(y.dtype, Is.EqualTo(ScalarType.BFloat16));
            Assert.That(conv.weight!.dtype, Is.EqualTo(ScalarType.Float32), "master weights stay fp32");
            using var lin = nn.Linear(8, 3);
            Assert.That(lin.forward(x).dtype, Is.EqualTo(ScalarType.BFloat16));
        }
        Assert.That(AutocastScope.IsEnabled(CPU), Is.False);
        Assert.That(ConvOut(conv, x).dtype, Is.EqualTo(ScalarType.Float32));
    }

    [Test]
    public void Scope_IsOffAgain_AfterAnExceptionInside()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(1, 2, 3, padding: 1);
        var x = randn(1, 1, 8, 8);
        Assert.Throws<InvalidOperationException>(() =>
        {
            using var ac = MixedPrecision.Autocast(Precision.Bf16, CPU);
            Assert.That(ConvOut(conv, x).dtype, Is.EqualTo(ScalarType.BFloat16));
            throw new InvalidOperationException("inside the scope");
        });
        Assert.That(AutocastScope.IsEnabled(CPU), Is.False);
        Assert.That(ConvOut(conv, x).dtype, Is.EqualTo(ScalarType.Float32));
    }

    [Test]
    public void NestedScopes_RestoreTheirPredecessor()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(1, 2, 3, padding: 1);
        var x = randn(1, 1, 8, 8);
        using (AutocastScope.Enter(CPU))
        {
            using (AutocastScope.Suspend(CPU))
            {
                Assert.That(ConvOut(conv, x).dtype, Is.EqualTo(ScalarType.Float32), "suspended inside");
                using (AutocastScope.Enter(CPU))
                {
                    Assert.That(ConvOut(conv, x).dtype, Is.EqualTo(ScalarType.BFloat16), "re-entered");
                }
                Assert.That(ConvOut(conv, x).dtype, Is.EqualTo(ScalarType.Float32), "back to suspended");
            }
            Assert.That(ConvOut(conv, x).dtype, Is.EqualTo(ScalarType.BFloat16), "back to the outer scope");
            using (MixedPrecision.Autocast(Precision.Fp32, CPU))
            {
                Assert.That(ConvOut(conv, x).dtype, Is.EqualTo(ScalarType.BFloat16), "an fp32 scope changes nothing");
            }
        }
        Assert.That(AutocastScope.IsEnabled(CPU), Is.False);
        Assert.That(LibTorchInterop.Current.GetAutocastDtype(DeviceType.CPU), Is.EqualTo(ScalarType.BFloat16), "the default CPU dtype is restored");
    }

    [Test]
    public void Scope_IsThreadLocal_AndMustBeDisposedOnItsThread()
    {
        var ac = AutocastScope.Enter(CPU);
        try
        {
            bool otherThread = true;
            Exception? disposeError = null;
            var t = new Thread(() =>
            {
                otherThread = AutocastScope.IsEnabled(CPU);
                try
                {
                    ac.Dispose();
                }
                catch (InvalidOperationException ex)
                {
                    disposeError = ex;
                }
            });
            t.Start();
            t.Join();
            Assert.That(otherThread, Is.False, "another thread does not see this thread's autocast");
            Assert.That(disposeError, Is.Not.Null);
            Assert.That(AutocastScope.IsEnabled(CPU), Is.True);
        }
        finally
        {
            ac.Dispose();
        }
        Assert.That(AutocastScope.IsEnabled(CPU), Is.False);
    }

    [Test]
    public void BatchNorm_KeepsFp32Statistics_AndGradientsReachFp32Weights()
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(1, 4, 3, padding: 1, bias: false);
        using var bn = new SafeBatchNorm2d(4);
        bn.train();
        var x = randn(4, 1, 8, 8);
        Tensor y;
        using (AutocastScope.Enter(CPU))
        {
            y = bn.forward(ConvOut(conv, x));
        }
        TestContext.Out.WriteLine($"batch norm output under CPU autocast: {y.dtype}");
        var mean = bn.get_buffer("running_mean")!;
        Assert.Multiple(() =>
        {
            Assert.That(mean.dtype, Is.EqualTo(ScalarType.Float32));
            Assert.That(bn.get_buffer("running_var")!.dtype, Is.EqualTo(ScalarType.Float32));
            Assert.That(mean.abs().sum().item<float>(), Is.GreaterThan(0f), "the statistics were updated");
            Assert.That(y.dtype, Is.AnyOf(ScalarType.BFloat16, ScalarType.Float32));
        });
        MixedPrecision.ToFloat32(y).square().mean().backward();
        Assert.That(conv.weight!.grad!.dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(bn.get_parameter("weight")!.grad!.dtype, Is.EqualTo(ScalarType.Float32));
    }

    [Test]
    public void ToFloat32_CastsBf16_AndPassesFp32Through()
    {
        using var scope = NewDisposeScope();
        var f = randn(3);
        Assert.That(ReferenceEquals(MixedPrecision.ToFloat32(f), f), Is.True);
        Assert.That(MixedPrecision.ToFloat32(f.to_type(ScalarType.BFloat16)).dtype, Is.EqualTo(ScalarType.Float32));
        Assert.That(() => MixedPrecision.Require(Precision.Bf16, CPU), Throws.Nothing);
    }

    /// <summary>A tiny phantom: a bright disk (label 1) inside a darker ring (label 2) at varying positions, with noise.</summary>
    internal static (Tensor Images, Tensor Labels) Phantom(int n, int size, long seed)
    {
        using var gen = new Generator((ulong)seed, CPU);
        var labels = zeros([n, size, size], dtype: ScalarType.Int64);
        var images = zeros([n, 1, size, size]);
        var rng = new Random((int)seed);
        var yy = arange(size).view(-1, 1).expand(size, size).to_type(ScalarType.Float32);
        var xx = arange(size).view(1, -1).expand(size, size).to_type(ScalarType.Float32);
        for (int i = 0; i < n; i++)
        {
            double cy = (size / 2) + rng.Next(-4, 5), cx = (size / 2) + rng.Next(-4, 5);
            var r = ((yy - cy).square() + (xx - cx).square()).sqrt();
            var disk = r.lt(size * 0.18);
            var ring = r.lt(size * 0.34).logical_and(disk.logical_not());
            labels[i].masked_fill_(ring, 2).masked_fill_(disk, 1);
            images[i, 0].add_(disk.to_type(ScalarType.Float32) * 1.0f + ring.to_type(ScalarType.Float32) * 0.5f);
        }
        images.add_(randn([n, 1, size, size], generator: gen) * 0.15f);
        return (images, labels);
    }

    private static (List<double> Losses, double Dice) Train(Precision precision, int steps)
    {
        using var scope = NewDisposeScope();
        var (x, y) = Phantom(8, 32, seed: 5);
        using var net = new UNet2d(new UNetOptions(4, 2), classes: 3, seed: 1);
        net.train();
        using var adam = new AdamOptimizer([new ParameterGroup(net.parameters().ToList())], 1e-2);
        MixedPrecision.Require(precision, CPU);
        var losses = new List<double>();
        for (int s = 0; s < steps; s++)
        {
            using var step = NewDisposeScope();
            adam.ZeroGrad();
            Tensor logits;
            using (MixedPrecision.Autocast(precision, CPU))
            {
                logits = net.forward(x);
            }
            Assert.That(logits.dtype, Is.EqualTo(precision == Precision.Bf16 ? ScalarType.BFloat16 : ScalarType.Float32));
            var loss = SegmentationLoss.Compute(MixedPrecision.ToFloat32(logits), y, 1.0);
            Assert.That(loss.dtype, Is.EqualTo(ScalarType.Float32));
            loss.backward();
            adam.Step();
            losses.Add(loss.item<float>());
        }
        Assert.That(net.parameters().All(p => p.dtype == ScalarType.Float32), Is.True, "master weights stay fp32");
        // Batch statistics (train mode), as the loss saw them: running averages lag a network this young.
        using var noGrad = no_grad();
        Tensor pred;
        using (MixedPrecision.Autocast(precision, CPU))
        {
            pred = MixedPrecision.ToFloat32(net.forward(x)).argmax(1);
        }
        var counts = SegmentationLoss.OverlapCounts(pred, y, 3);
        return (losses, ThighSeg.Core.Metrics.DiceMetric.MeanForeground(counts));
    }

    [Test]
    [Category("Slow")] // trains in fp32 and bf16: about 40 s on a loaded 2-core machine
    public void TinyUNet_TrainedInBf16_TracksFp32()
    {
        const int steps = 30;
        var (fp32, diceFp32) = Train(Precision.Fp32, steps);
        var (bf16, diceBf16) = Train(Precision.Bf16, steps);
        string F(IEnumerable<double> v) => string.Join(" ", v.Select(d => d.ToString("F3", System.Globalization.CultureInfo.InvariantCulture)));
        TestContext.Out.WriteLine($"fp32 loss: {F(fp32)}; Dice {diceFp32:F4}");
        TestContext.Out.WriteLine($"bf16 loss: {F(bf16)}; Dice {diceBf16:F4}");
        Assert.Multiple(() =>
        {
            Assert.That(Math.Abs(bf16[0] - fp32[0]), Is.LessThan(0.01 * fp32[0]), "same start (bf16 rounding only)");
            Assert.That(fp32[^1], Is.LessThan(0.7 * fp32[0]), "fp32 learns");
            Assert.That(bf16[^1], Is.LessThan(0.7 * bf16[0]), "bf16 learns");
            double worst = fp32.Zip(bf16).Max(p => Math.Abs(p.First - p.Second) / p.First);
            Assert.That(worst, Is.LessThan(0.03), "bf16 tracks fp32's loss curve step by step");
            // Dice of a 30-step network is not converged; the within-0.01-Dice goal needs a converged run (not a unit test).
            Assert.That(Math.Abs(diceBf16 - diceFp32), Is.LessThan(0.1), "bf16 and fp32 segment alike");
        });
    }
}
