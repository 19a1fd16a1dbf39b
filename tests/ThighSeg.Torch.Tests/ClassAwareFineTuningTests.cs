using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Training;

namespace ThighSeg.Torch.Tests;

public class ClassAwareFineTuningTests
{
    [Test]
    public void ClassAwareSampling_ReachesTheFineTuningSampler_AndZeroKeepsTheDefaultRun()
    {
        var data = Synthetic.Cohort(2, seed: 4);
        var o = new FineTuneOptions
        {
            Network = new UNetOptions(baseFilters: 4, depth: 3),
            ValidationFraction = 0,
            Schedule = new TrainingSchedule { Epochs = 2, StepsPerEpoch = 2, BatchSize = 4, LearningRate = 1e-3, MinLearningRate = 1e-5, Seed = 5, LogInterval = 1000 },
        };
        FineTuneResult Train(FineTuneOptions x)
        {
            var r = new UNetSegmenter(x, ComputeDevice.Cpu).FineTune(data);
            r.Model.Dispose();
            return r;
        }
        var plain = Train(o);
        var zero = Train(o with { ClassAwareSampling = 0 });
        var aware = Train(o with { ClassAwareSampling = 0.5 });
        Assert.That(zero.LossHistory, Is.EqualTo(plain.LossHistory));
        Assert.That(aware.LossHistory, Is.Not.EqualTo(plain.LossHistory));
    }
}
