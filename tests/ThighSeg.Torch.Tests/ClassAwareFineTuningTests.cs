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

public class FineTuningBudgetTests
{
    [Test]
    public void StepsGrowAboveTheThreshold_AndTheModelRecordsTheStepsThatRan()
    {
        var data = Synthetic.Cohort(3, seed: 6);
        var o = new FineTuneOptions
        {
            Network = new UNetOptions(baseFilters: 4, depth: 3),
            ValidationFraction = 0,
            Schedule = new TrainingSchedule { Epochs = 2, StepsPerEpoch = 2, BatchSize = 2, LearningRate = 1e-3, Seed = 5, LogInterval = 1000 },
        };
        (long Steps, System.Text.Json.Nodes.JsonObject Options) Train(FineTuneOptions x)
        {
            var r = new UNetSegmenter(x, ComputeDevice.Cpu).FineTune(data);
            using var model = (UNetSegmentationModel)r.Model;
            return (model.Provenance.Steps, model.Provenance.Options!);
        }

        var fixedRun = Train(o with { ScaleStepsAboveSubjects = null });
        var defaultRun = Train(o);
        var scaled = Train(o with { ScaleStepsAboveSubjects = 2 });

        Assert.Multiple(() =>
        {
            Assert.That(fixedRun.Steps, Is.EqualTo(4), "2 epochs x 2 steps");
            Assert.That(defaultRun.Steps, Is.EqualTo(4), "3 training subjects are within the default 5");
            Assert.That(scaled.Steps, Is.EqualTo(2 * 3), "2 epochs x ceil(2 x 3 / 2)");
            Assert.That(scaled.Options["Schedule"]!["StepsPerEpoch"]!.GetValue<int>(), Is.EqualTo(3), "the record holds the steps that ran");
            Assert.That(scaled.Options.ContainsKey(nameof(FineTuneOptions.ScaleStepsAboveSubjects)), Is.False, "an applied budget is not applied again");
            Assert.That(defaultRun.Options.ToJsonString(), Is.EqualTo(fixedRun.Options.ToJsonString()), "a budget that did not grow records as the fixed schedule");
        });
    }
}
