using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Torch.Tests.Foundation;

[TestFixture]
public sealed class TorchSmokeTests
{
    [OneTimeSetUp]
    public void Init() => TorchBackend.Initialize();

    private static nn.Module<Tensor, Tensor> TinyNet() => nn.Sequential(
        nn.Conv2d(1, 8, 3, padding: 1),
        nn.BatchNorm2d(8),
        nn.LeakyReLU(0.01),
        nn.Conv2d(8, 2, 3, padding: 1));

    /// <summary>Trains a tiny conv net to segment bright squares; returns the per-step losses.</summary>
    private static List<float> Train(int steps, long seed)
    {
        torch.manual_seed(seed);
        using var net = TinyNet();
        using var optimizer = optim.Adam(net.parameters(), lr: 0.05);
        using var data = NewDisposeScope();
        using var gen = new Generator((ulong)seed);
        var x = torch.rand(8, 1, 16, 16, generator: gen);
        var y = (x > 0.5f).to(ScalarType.Int64).squeeze(1);
        var losses = new List<float>();
        for (int i = 0; i < steps; i++)
        {
            using var step = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(net.forward(x), y);
            loss.backward();
            optimizer.step();
            losses.Add(loss.item<float>());
        }
        return losses;
    }

    [Test]
    public void TinyConvNet_LossFalls_WhenTrainedOnCpu()
    {
        var losses = Train(30, seed: 7);
        Assert.That(losses[^1], Is.LessThan(losses[0] * 0.5f), $"first {losses[0]}, last {losses[^1]}");
    }

    [Test]
    public void Training_IsBitIdentical_ForTheSameSeedOnCpu()
    {
        var first = Train(5, seed: 3);
        var second = Train(5, seed: 3);
        Assert.That(second, Is.EqualTo(first));
    }

    [Test]
    public void TrainingStep_InsideDisposeScope_LeavesLiveTensorCountUnchanged()
    {
        torch.manual_seed(1);
        using var net = TinyNet();
        using var optimizer = optim.Adam(net.parameters(), lr: 0.01);
        using var x = torch.rand(4, 1, 16, 16);
        using var y = torch.zeros(4, 16, 16, dtype: ScalarType.Int64);

        void Step()
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var loss = nn.functional.cross_entropy(net.forward(x), y);
            loss.backward();
            optimizer.step();
        }

        Step(); // the first step allocates gradients and Adam state, which live as long as the model/optimizer
        long before = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        for (int i = 0; i < 5; i++)
        {
            Step();
        }
        long after = DisposeScopeManager.Statistics.TensorStatistics.ThreadTotalLiveCount;
        Assert.That(after, Is.EqualTo(before));
    }
}
