using ThighSeg.Torch;
using ThighSeg.Torch.Interop;
using static TorchSharp.torch;

namespace ThighSeg.Benchmarks.Tests;

[TestFixture]
public sealed class TorchPerformanceTests
{
    [OneTimeSetUp]
    public void Init() => TorchBackend.Initialize();

    [Test]
    public void PhysicalCoreCount_IsBetweenOneAndTheLogicalCpuCount() =>
        Assert.That(TorchPerformance.PhysicalCoreCount(), Is.InRange(1, Environment.ProcessorCount));

    [Test]
    public void ConfigureCpuThreads_SetsLibtorchThreads_AndRejectsZero()
    {
        int before = get_num_threads();
        try
        {
            Assert.That(TorchPerformance.ConfigureCpuThreads(1), Is.EqualTo(1));
            Assert.That(get_num_threads(), Is.EqualTo(1));
            Assert.That(() => TorchPerformance.ConfigureCpuThreads(0), Throws.InstanceOf<ArgumentOutOfRangeException>());
        }
        finally
        {
            set_num_threads(before);
        }
    }

    [Test]
    public void CudnnBenchmark_CanBeSwitchedThroughLibtorchsGlobalContext()
    {
        Assert.That(TorchPerformance.CudnnBenchmarkSupported, Is.True, "at::Context symbols not found in libtorch_cpu");
        bool before = TorchPerformance.CudnnBenchmarkEnabled;
        try
        {
            TorchPerformance.SetCudnnBenchmark(true);
            Assert.That(TorchPerformance.CudnnBenchmarkEnabled, Is.True);
            TorchPerformance.SetCudnnBenchmark(false);
            Assert.That(TorchPerformance.CudnnBenchmarkEnabled, Is.False);
        }
        finally
        {
            TorchPerformance.SetCudnnBenchmark(before);
        }
    }

    [Test]
    public void ToChannelsLast_KeepsValuesAndShape_WithNhwcStrides()
    {
        using var scope = NewDisposeScope();
        var x = arange(2 * 3 * 4 * 5, dtype: ScalarType.Float32).reshape(2, 3, 4, 5);
        var cl = TorchPerformance.ToChannelsLast(x);
        Assert.Multiple(() =>
        {
            Assert.That(cl.shape, Is.EqualTo(x.shape));
            Assert.That(TorchPerformance.IsChannelsLast(x), Is.False);
            Assert.That(TorchPerformance.IsChannelsLast(cl), Is.True);
            Assert.That(cl.allclose(x, 0, 0), Is.True);
        });
    }

    [Test]
    public void ModuleToChannelsLast_GivesTheSameOutput_AndKeepsParametersTrainable()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var conv = nn.Conv2d(3, 8, 3, padding: 1, bias: false);
        var x = randn(2, 3, 16, 16);
        var expected = conv.forward(x).detach();
        TorchPerformance.ModuleToChannelsLast(conv);
        Assert.That(TorchPerformance.IsChannelsLast(conv.weight!), Is.True);
        Assert.That(conv.parameters().Single().requires_grad, Is.True);
        var y = conv.forward(TorchPerformance.ToChannelsLast(x));
        Assert.That(y.allclose(expected, rtol: 1e-4, atol: 1e-5), Is.True);
        y.sum().backward();
        Assert.That(conv.weight!.grad, Is.Not.Null);
        // An optimizer updates the parameter in place; the next forward must still work and stay channels-last.
        using var sgd = optim.SGD(conv.parameters(), 0.1);
        sgd.step();
        Assert.That(() => conv.forward(TorchPerformance.ToChannelsLast(x)).sum().backward(), Throws.Nothing);
        Assert.That(TorchPerformance.IsChannelsLast(conv.weight!), Is.True);
    }

    [Test]
    public void ToDevice_OnTheCpu_ReturnsTheSameData()
    {
        using var scope = NewDisposeScope();
        var x = randn(4, 4);
        var y = TorchPerformance.ToDevice(x, CPU);
        Assert.That(y.allclose(x, 0, 0), Is.True);
    }
}
