using ThighSeg.Core.Abstractions;

namespace ThighSeg.Core.Tests.Abstractions;

public sealed class OptionsTests
{
    [Test]
    public void With_KeepsEveryOtherValue()
    {
        var o = new FineTuneOptions { EncoderLearningRateScale = 0.1, DiceWeight = 2, EarlyStoppingPatience = 3 };
        var seeded = o with { Schedule = o.Schedule with { Seed = 9 } };
        Assert.Multiple(() =>
        {
            Assert.That(seeded.EncoderLearningRateScale, Is.EqualTo(0.1));
            Assert.That(seeded.DiceWeight, Is.EqualTo(2));
            Assert.That(seeded.EarlyStoppingPatience, Is.EqualTo(3));
            Assert.That(seeded.Schedule.Seed, Is.EqualTo(9));
            Assert.That(seeded.Schedule with { Seed = 0 }, Is.EqualTo(FineTuneOptions.DefaultSchedule));
        });
    }

    [Test]
    public void InitValidation_NamesThePropertyAndValue()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new TrainingSchedule { Epochs = 0 });
        Assert.That(ex!.ParamName, Is.EqualTo("Epochs"));
        Assert.That(ex.Message, Does.Contain("got 0"));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new FineTuneOptions { EncoderLearningRateScale = 2 });
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new PretrainOptions { Threshold = 0 });
        Assert.Throws<ArgumentOutOfRangeException>(() => new TrainingSchedule { LearningRate = 1e-3, MinLearningRate = 1e-2 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new PretrainOptions { Schedule = PretrainOptions.DefaultSchedule with { BatchSize = 1 } }.Validate());
    }

    [Test]
    public void PretrainPositions_FromTheScannerByDefault_AndSliceIndexLeavesTheJsonAsBefore()
    {
        var json = new System.Text.Json.JsonSerializerOptions { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };
        string scanner = System.Text.Json.JsonSerializer.Serialize(new PretrainOptions(), json);
        string index = System.Text.Json.JsonSerializer.Serialize(new PretrainOptions { Positions = PositionSource.SliceIndex }, json);
        Assert.Multiple(() =>
        {
            Assert.That(new PretrainOptions().Positions, Is.EqualTo(PositionSource.ScannerZ));
            Assert.That(scanner, Does.Contain("\"Positions\":\"ScannerZ\""));
            Assert.That(index, Does.Not.Contain("Positions"), "records written before the option existed hold slice-index settings");
            Assert.Throws<ArgumentOutOfRangeException>(() => _ = new PretrainOptions { Positions = (PositionSource)7 });
        });
    }

    [Test]
    public void LearningRate_WarmsUpLinearly_ThenDecaysWithACosine()
    {
        var s = new TrainingSchedule { LearningRate = 1, MinLearningRate = 0, WarmupSteps = 4 };
        Assert.Multiple(() =>
        {
            Assert.That(s.LearningRateAt(0, 104), Is.EqualTo(0.2).Within(1e-12));
            Assert.That(s.LearningRateAt(3, 104), Is.EqualTo(0.8).Within(1e-12));
            Assert.That(s.LearningRateAt(4, 104), Is.EqualTo(1).Within(1e-12));
            Assert.That(s.LearningRateAt(54, 104), Is.EqualTo(0.5).Within(1e-12));
            Assert.That(s.LearningRateAt(104, 104), Is.EqualTo(0).Within(1e-12));
        });
        var plain = s with { WarmupSteps = 0, MinLearningRate = 0.1 };
        Assert.That(plain.LearningRateAt(0, 10), Is.EqualTo(1));
        Assert.That(plain.LearningRateAt(5, 10), Is.EqualTo(0.55).Within(1e-12));
    }

    [Test]
    public void PerformanceOptions_AreValidated_SharedByBothTrainings_AndDescribed()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = new PerformanceOptions { Precision = (Precision)7 });
        Assert.That(ex!.ParamName, Is.EqualTo("Precision"));
        Assert.That(ex.Message, Does.Contain("got 7"));
        Assert.Throws<ArgumentNullException>(() => _ = new FineTuneOptions { Performance = null! });
        Assert.Throws<ArgumentNullException>(() => _ = new PretrainOptions { Performance = null! });
        var bf16 = new PerformanceOptions { Precision = Precision.Bf16, ChannelsLast = true };
        var o = new FineTuneOptions { Performance = bf16, DiceWeight = 2 };
        Assert.Multiple(() =>
        {
            Assert.That(new FineTuneOptions().Performance, Is.EqualTo(PerformanceOptions.Default));
            Assert.That(PerformanceOptions.Default.Precision, Is.EqualTo(Precision.Fp32));
            Assert.That(PerformanceOptions.Default.ChannelsLast, Is.True, "channels-last by default: measured faster on the CPU (docs/benchmarks.md 1e)");
            Assert.That(PerformanceOptions.Default.ToString(), Is.EqualTo("fp32, channels-last"));
            Assert.That((PerformanceOptions.Default with { ChannelsLast = false }).ToString(), Is.EqualTo("fp32, nchw"));
            Assert.That((o with { DiceWeight = 3 }).Performance, Is.EqualTo(bf16), "with keeps the performance options");
            Assert.That(bf16.ToString(), Is.EqualTo("bf16, channels-last"));
            Assert.That((bf16 with { CudnnBenchmark = true }).ToString(), Is.EqualTo("bf16, channels-last, cudnn-benchmark"));
        });
    }

    [Test]
    public void ForTrainingSubjects_GrowsTheStepsAboveTheThreshold_AndOnlyOnce()
    {
        var o = new FineTuneOptions();
        Assert.That(o.ScaleStepsAboveSubjects, Is.EqualTo(5), "the default");
        Assert.Multiple(() =>
        {
            foreach (int s in new[] { 1, 2, 5 })
            {
                var r = o.ForTrainingSubjects(s);
                Assert.That(r.Schedule, Is.EqualTo(o.Schedule), $"{s} subjects keep the schedule");
                Assert.That(r.ScaleStepsAboveSubjects, Is.Null);
                Assert.That(r with { ScaleStepsAboveSubjects = 5 }, Is.EqualTo(o), "nothing else changes");
            }
            Assert.That(o.ForTrainingSubjects(6).Schedule.StepsPerEpoch, Is.EqualTo(120));
            Assert.That(o.ForTrainingSubjects(10).Schedule.StepsPerEpoch, Is.EqualTo(200));
            Assert.That(o.ForTrainingSubjects(40).Schedule.StepsPerEpoch, Is.EqualTo(800));
            var three = o with { Schedule = o.Schedule with { StepsPerEpoch = 7 }, ScaleStepsAboveSubjects = 3 };
            Assert.That(three.ForTrainingSubjects(4).Schedule.StepsPerEpoch, Is.EqualTo(10), "ceil(7 x 4 / 3)");
            Assert.That(o.ForTrainingSubjects(10).ForTrainingSubjects(10).Schedule.StepsPerEpoch, Is.EqualTo(200), "applied once");
            var fixedSchedule = o with { ScaleStepsAboveSubjects = null };
            Assert.That(fixedSchedule.ForTrainingSubjects(40), Is.SameAs(fixedSchedule));
            var onePass = o with { Schedule = o.Schedule with { StepsPerEpoch = null } };
            Assert.That(onePass.ForTrainingSubjects(40).Schedule.StepsPerEpoch, Is.Null, "one pass over the slices grows with the data already");
            Assert.That(o.ForTrainingSubjects(int.MaxValue).Schedule.StepsPerEpoch, Is.EqualTo(10_000_000), "capped at the schedule's limit");
        });
        Assert.Throws<ArgumentOutOfRangeException>(() => o.ForTrainingSubjects(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = o with { ScaleStepsAboveSubjects = 0 });
    }

    [Test]
    public void ScaleStepsAboveSubjects_IsLeftOutOfTheJsonOnlyWhenNull()
    {
        Assert.That(System.Text.Json.JsonSerializer.Serialize(new FineTuneOptions()), Does.Contain("\"ScaleStepsAboveSubjects\":5"));
        Assert.That(System.Text.Json.JsonSerializer.Serialize(new FineTuneOptions().ForTrainingSubjects(2)), Does.Not.Contain("ScaleStepsAboveSubjects"));
    }
}
