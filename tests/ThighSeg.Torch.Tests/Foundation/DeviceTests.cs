using ThighSeg.Core;

namespace ThighSeg.Torch.Tests.Foundation;

[TestFixture]
public sealed class DeviceTests
{
    [TestCase("auto", ComputeDevice.Auto)]
    [TestCase("CPU", ComputeDevice.Cpu)]
    [TestCase(" cuda ", ComputeDevice.Cuda)]
    public void Parse_AcceptsKnownNames(string text, ComputeDevice expected) =>
        Assert.That(TorchBackend.Parse(text), Is.EqualTo(expected));

    [Test]
    public void Parse_RejectsUnknownNames_WithTheAcceptedOnes()
    {
        var ex = Assert.Throws<ArgumentException>(() => TorchBackend.Parse("tpu"));
        Assert.That(ex!.Message, Does.Contain("tpu").And.Contain("auto, cpu or cuda"));
    }

    [Test]
    public void Resolve_Cuda_IsAClearError_WhenNoCudaDevice()
    {
        Assume.That(TorchBackend.IsCudaAvailable, Is.False, "this machine has CUDA");
        var ex = Assert.Throws<DeviceUnavailableException>(() => TorchBackend.Resolve(ComputeDevice.Cuda));
        Assert.That(ex, Is.InstanceOf<ThighSegException>());
        Assert.That(ex!.Message, Does.Contain("ComputeDevice.Cpu").And.Not.Contain("--"), "the library names the setting; the CLI names its flag");
    }

    [Test]
    public void Resolve_Auto_FollowsCudaAvailability()
    {
        string expected = TorchBackend.IsCudaAvailable ? "cuda" : "cpu";
        Assert.That(TorchBackend.Resolve(ComputeDevice.Auto).type.ToString().ToLowerInvariant(), Is.EqualTo(expected));
    }

    [Test]
    public void Describe_ReportsVersionsAndThreads()
    {
        var info = TorchBackend.Describe(ComputeDevice.Cpu);
        Assert.Multiple(() =>
        {
            Assert.That(info.TorchSharpVersion, Is.EqualTo("0.107.0"));
            Assert.That(info.LibTorchVersion, Is.EqualTo("2.10.0"));
            Assert.That(info.Device, Is.EqualTo("cpu"));
            Assert.That(info.Threads, Is.GreaterThan(0));
        });
    }
}
