using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Training;

namespace ThighSeg.Torch.Tests;

public class CollapseRestartTests
{
    /// <summary>Blank slices: every view embeds identically, so the loss is the collapse loss from the first step.</summary>
    private static List<SliceStack> Blank() =>
        [new SliceStack("a", "right", 16, 16, 8, new float[16 * 16 * 8], null, Synthetic.Axial(8)), new SliceStack("b", "right", 16, 16, 8, new float[16 * 16 * 8], null, Synthetic.Axial(8))];

    private static PretrainOptions Options(int restarts) => new()
    {
        Network = new UNetOptions(baseFilters: 2, depth: 2),
        EmbeddingDim = 8,
        Augmentation = AugmentationOptions.None,
        CollapseRestarts = restarts,
        CollapseCheckEpochs = 1,
        Schedule = new TrainingSchedule { Epochs = 3, StepsPerEpoch = 2, BatchSize = 4, LearningRate = 0.1, Seed = 9, LogInterval = 1000 },
    };

    [Test]
    public void CollapsedPretraining_RestartsWithAnotherSeedAndALowerLearningRate_AndRecordsTheAttempts()
    {
        string dir = TestSetup.TempDir();
        var phases = new List<string>();
        var result = new ContrastivePretrainer(Options(restarts: 2), ComputeDevice.Cpu).Pretrain(Blank(), dir, new SyncProgress(p => phases.Add(p.Phase)));
        Assert.That(result.Attempts, Has.Count.EqualTo(3));
        Assert.That(result.Restarts, Is.EqualTo(2));
        var a = result.Attempts!;
        Assert.Multiple(() =>
        {
            // The first two stop after the warm-up window; the last trains to the end and is reported collapsed.
            Assert.That(a.Select(x => x.Epochs), Is.EqualTo(new[] { 1, 1, 3 }));
            Assert.That(a.All(x => x.Collapsed), Is.True);
            Assert.That(a.Select(x => x.LearningRate), Is.EqualTo(new[] { 0.1, 0.05, 0.025 }).Within(1e-12));
            Assert.That(a.Select(x => x.Seed).Distinct().Count(), Is.EqualTo(3));
            Assert.That(a[0].Seed, Is.EqualTo(9));
            Assert.That(result.LikelyCollapsed, Is.True);
            Assert.That(result.Steps, Is.EqualTo(6));
            Assert.That(phases.Count(p => p == CollapseMonitor.Phase), Is.EqualTo(2));
        });
        var training = ModelArtifact.ReadManifest(dir).Training;
        Assert.That(training.Seed, Is.EqualTo(a[2].Seed));
        Assert.That(training.Options!["collapse_attempts"]!.AsArray(), Has.Count.EqualTo(3));
        Assert.That(File.Exists(Path.Combine(dir, "checkpoint-restart2.bin")), Is.True);

        // A rerun finds every attempt's checkpoint and resumes to the same encoder without training again.
        var again = new ContrastivePretrainer(Options(restarts: 2), ComputeDevice.Cpu).Pretrain(Blank(), dir);
        Assert.That(again.Resumed, Is.True);
        Assert.That(again.Attempts!.Select(x => x.Seed), Is.EqualTo(a.Select(x => x.Seed)));
    }

    [Test]
    public void ZeroRestarts_OnlyReportTheCollapse()
    {
        var result = new ContrastivePretrainer(Options(restarts: 0), ComputeDevice.Cpu).Pretrain(Blank(), TestSetup.TempDir());
        Assert.That(result.Restarts, Is.Zero);
        Assert.That(result.Attempts!.Single().Epochs, Is.EqualTo(3));
        Assert.That(result.LikelyCollapsed, Is.True);
    }

    [Test]
    public void AttemptOptions_KeepTheGivenOptionsFirst_ThenDeriveSeedsAndScaleLearningRates()
    {
        var o = Options(2) with { CollapseLearningRateFactor = 0.25 };
        Assert.That(ContrastivePretrainer.AttemptOptions(o, 0), Is.SameAs(o));
        var r1 = ContrastivePretrainer.AttemptOptions(o, 1);
        Assert.That(r1.Schedule.LearningRate, Is.EqualTo(0.025).Within(1e-15));
        Assert.That(r1.Schedule.Seed, Is.EqualTo(Core.Randomness.Seeds.Derive(9, Core.Randomness.Seeds.Restart, 1)));
        Assert.Throws<ArgumentOutOfRangeException>(() => _ = new PretrainOptions { CollapseRestarts = 11 });
    }
}
