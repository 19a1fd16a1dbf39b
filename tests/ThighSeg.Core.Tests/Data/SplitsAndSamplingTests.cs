using ThighSeg.Core.Data;
using ThighSeg.Core.Preprocessing;
using ThighSeg.Core.Volumes;

namespace ThighSeg.Core.Tests.Data;

public class SplitsAndSamplingTests
{
    private string _dir = "";

    [SetUp]
    public void SetUp()
    {
        _dir = Path.Combine(Path.GetTempPath(), $"thighseg-splits-{Guid.NewGuid():N}");
        Directory.CreateDirectory(_dir);
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_dir, recursive: true);

    private DatasetManifest Manifest(int unlabeled, int train, int test)
    {
        var entries = new List<ManifestEntry>();
        string img = Path.Combine(_dir, "img.nii.gz");
        File.WriteAllText(img, "x");
        int n = 0;
        for (int i = 0; i < unlabeled; i++)
        {
            entries.Add(new ManifestEntry($"u{n++}", img, null, DatasetSplit.Unlabeled));
        }
        for (int i = 0; i < train; i++)
        {
            entries.Add(new ManifestEntry($"t{n++}", img, img, DatasetSplit.Train));
        }
        for (int i = 0; i < test; i++)
        {
            entries.Add(new ManifestEntry($"x{n++}", img, img, DatasetSplit.Test));
        }
        string path = Path.Combine(_dir, "manifest.csv");
        DatasetManifest.Write(path, entries);
        return DatasetManifest.Load(path);
    }

    [Test]
    public void Create_PutsEverySubjectInExactlyOneSplit_ValidationFromTrainOnly()
    {
        var m = Manifest(7, 10, 4);
        var s = CaseSplits.Create(m, validationCount: 2, seed: 3);
        var all = s.Unlabeled.Concat(s.Validation).Concat(s.LabeledOrder).Concat(s.Test).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(all, Is.Unique);
            Assert.That(all, Is.EquivalentTo(m.Entries.Select(e => e.Subject)));
            Assert.That(s.Validation, Has.Count.EqualTo(2));
            Assert.That(s.Validation.Concat(s.LabeledOrder).All(id => m[id].Split == DatasetSplit.Train), Is.True);
            Assert.That(s.Test.All(id => m[id].Split == DatasetSplit.Test), Is.True);
        });
    }

    [Test]
    public void LabeledSubsets_AreSeededAndNested()
    {
        var m = Manifest(0, 12, 2);
        var a = CaseSplits.Create(m, 2, seed: 5);
        var b = CaseSplits.Create(m, 2, seed: 5);
        var c = CaseSplits.Create(m, 2, seed: 6);
        Assert.Multiple(() =>
        {
            Assert.That(b.LabeledOrder, Is.EqualTo(a.LabeledOrder));
            Assert.That(b.Validation, Is.EqualTo(a.Validation));
            Assert.That(c.LabeledOrder.Concat(c.Validation), Is.Not.EqualTo(a.LabeledOrder.Concat(a.Validation)));
            Assert.That(a.LabeledSubset(5).Take(2), Is.EqualTo(a.LabeledSubset(2)));
            Assert.That(() => a.LabeledSubset(11), Throws.TypeOf<DatasetException>().With.Message.Contains("10 are available"));
        });
    }

    [Test]
    public void LoadOrCreate_WritesThenReusesSplitsJson()
    {
        var m = Manifest(3, 6, 2);
        string path = Path.Combine(_dir, CaseSplits.FileName);
        var first = CaseSplits.LoadOrCreate(path, m, 1, seed: 9);
        Assert.That(File.Exists(path), Is.True);
        File.SetLastWriteTimeUtc(path, new DateTime(2020, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        var again = CaseSplits.LoadOrCreate(path, m, 1, seed: 9);
        Assert.Multiple(() =>
        {
            Assert.That(again.LabeledOrder, Is.EqualTo(first.LabeledOrder));
            Assert.That(again.Validation, Is.EqualTo(first.Validation));
            Assert.That(File.GetLastWriteTimeUtc(path).Year, Is.EqualTo(2020), "reused, not rewritten");
            Assert.That(File.ReadAllText(path), Does.Contain("\"labeled_order\""));
            Assert.That(() => CaseSplits.LoadOrCreate(path, m, 1, seed: 10), Throws.TypeOf<DatasetException>().With.Message.Contains("seed 9"));
        });
    }

    [Test]
    public void Load_RejectsSplitsWithASubjectInTwoLists()
    {
        string path = Path.Combine(_dir, CaseSplits.FileName);
        File.WriteAllText(path, """{"format_version":1,"seed":1,"validation_count":1,"unlabeled":["a"],"validation":["b"],"labeled_order":["b"],"test":[]}""");
        Assert.That(() => CaseSplits.Load(path), Throws.TypeOf<DatasetException>().With.Message.Contains("'b'"));
    }

    [Test]
    public void CheckAgainst_RejectsSplitsThatDoNotMatchTheManifest()
    {
        var m = Manifest(2, 4, 1);
        var other = Manifest(2, 5, 1);
        var s = CaseSplits.Create(m, 1, 1);
        Assert.That(() => s.CheckAgainst(other), Throws.TypeOf<DatasetException>().With.Message.Contains("missing from the splits"));
    }

    private static PreparedSubject Prepared(string id, int depth, bool labelled, int seed)
    {
        var rng = new Random(seed);
        var img = new Volume<float>(new VolumeShape(16, 8, depth), Affine.Identity);
        for (int i = 0; i < img.Data.Length; i++)
        {
            img.Data[i] = (float)rng.NextDouble();
        }
        Volume<int>? lab = labelled ? new Volume<int>(img.Shape, img.Affine) : null;
        return new Preprocessor(new PreprocessingOptions { TargetSize = 8, TargetSpacingMm = 1 }).Prepare(img, lab, id);
    }

    [Test]
    public void Sampler_YieldsEverySliceOncePerEpochShuffledAcrossSubjects()
    {
        var subjects = new[] { Prepared("a", 5, false, 1), Prepared("b", 7, false, 2), Prepared("c", 3, false, 3) };
        var sampler = PositionalSliceSampler.ForPretraining(subjects, seed: 4);
        var e0 = sampler.Epoch(0);
        var e0again = PositionalSliceSampler.ForPretraining(subjects, seed: 4).Epoch(0);
        var e1 = sampler.Epoch(1);
        int expected = subjects.Sum(s => s.Stacks.Sum(st => st.Depth));
        Assert.Multiple(() =>
        {
            Assert.That(sampler.Count, Is.EqualTo(expected));
            Assert.That(e0.Select(p => (p.Stack, p.Index)).Distinct().Count(), Is.EqualTo(expected));
            Assert.That(e0again, Is.EqualTo(e0));
            Assert.That(e1, Is.Not.EqualTo(e0));
            Assert.That(e0.Take(8).Select(p => p.SubjectId).Distinct().Count(), Is.GreaterThan(1));
            Assert.That(e0.All(p => p.Position > 0 && p.Position <= 1), Is.True);
            Assert.That(sampler.SubjectIds, Is.EqualTo(new[] { "a", "b", "c" }));
        });
    }

    [Test]
    public void Batches_HaveTheRequestedSizeAndDropTheRemainder()
    {
        var sampler = PositionalSliceSampler.ForPretraining([Prepared("a", 5, false, 1)], seed: 1);
        var batches = sampler.Batches(0, 4).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(sampler.Count, Is.EqualTo(10));
            Assert.That(batches.Select(b => b.Length), Is.EqualTo(new[] { 4, 4 }));
            Assert.That(batches.SelectMany(b => b), Is.EqualTo(sampler.Epoch(0).Take(8)), "one pass cuts the epoch's first shuffle");
            Assert.That(sampler.BatchesPerEpoch(4), Is.EqualTo(2));
            Assert.That(sampler.Batches(0, 20).Select(b => b.Length), Is.EqualTo(new[] { 10 }), "fewer slices than a batch: one batch of all");
        });
    }

    [Test]
    public void FixedSteps_ChainShufflesAndSeeEverySliceOfEachShuffle()
    {
        var sampler = PositionalSliceSampler.ForPretraining([Prepared("a", 5, false, 1)], seed: 3);
        var batches = sampler.Batches(2, 4, stepsPerEpoch: 5).ToList();
        var flat = batches.SelectMany(b => b).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(batches, Has.Count.EqualTo(5));
            Assert.That(batches.All(b => b.Length == 4), Is.True);
            Assert.That(flat.Take(8), Is.EqualTo(sampler.Epoch(2).Take(8)));
            Assert.That(flat.Skip(8).Take(2), Is.EqualTo(sampler.Epoch(2).Skip(8)), "the rest of the first shuffle comes before the next one");
            Assert.That(flat.Skip(10).Take(10).Distinct().Count(), Is.EqualTo(10), "the second shuffle is a permutation");
            Assert.That(sampler.Batches(2, 4, stepsPerEpoch: 5).SelectMany(b => b), Is.EqualTo(flat), "deterministic in (seed, epoch)");
        });
    }

    [Test]
    public void FineTuningSampler_RequiresLabels()
    {
        Assert.That(() => PositionalSliceSampler.ForFineTuning([Prepared("a", 3, true, 1), Prepared("b", 3, false, 2)], 1),
            Throws.TypeOf<DatasetException>().With.Message.Contains("'b'"));
    }

    [Test]
    public void Samplers_BuiltFromSplits_NeverShareSubjects()
    {
        var m = Manifest(4, 6, 2);
        var splits = CaseSplits.Create(m, 2, 8);
        PreparedSubject P(string id, int i) => Prepared(id, 3, m[id].Split != DatasetSplit.Unlabeled, i);
        var pre = PositionalSliceSampler.ForPretraining(splits.Unlabeled.Select(P), 1);
        var fine = PositionalSliceSampler.ForFineTuning(splits.LabeledSubset(3).Select(P), 1);
        var val = PositionalSliceSampler.ForFineTuning(splits.Validation.Select(P), 1);
        var sets = new[] { pre, fine, val }.Select(s => s.Epoch(0).Select(p => p.SubjectId).ToHashSet()).ToList();
        Assert.Multiple(() =>
        {
            Assert.That(sets[0].Overlaps(sets[1]) || sets[0].Overlaps(sets[2]) || sets[1].Overlaps(sets[2]), Is.False);
            Assert.That(sets.SelectMany(s => s).Intersect(splits.Test), Is.Empty);
        });
    }
}

public sealed class HoldOutTests
{
    [Test]
    public void HoldOut_KeepsWholeSubjects_IsSeeded_AndNeverEmptiesTraining()
    {
        string[] subjects = ["d", "a", "c", "b", "a", "e"];
        var (train, val) = ThighSeg.Core.Data.CaseSplits.HoldOut(subjects, 0.4, 3);
        var again = ThighSeg.Core.Data.CaseSplits.HoldOut(subjects.Reverse(), 0.4, 3);
        Assert.Multiple(() =>
        {
            Assert.That(val, Has.Count.EqualTo(2));
            Assert.That(train.Concat(val).Order(), Is.EqualTo(new[] { "a", "b", "c", "d", "e" }));
            Assert.That(again.Validation, Is.EqualTo(val), "independent of input order");
            Assert.That(ThighSeg.Core.Data.CaseSplits.HoldOut(["a", "b"], 0.9, 1).Train, Has.Count.EqualTo(1));
            Assert.That(ThighSeg.Core.Data.CaseSplits.HoldOut(["a"], 0.5, 1).Validation, Is.Empty);
            Assert.That(ThighSeg.Core.Data.CaseSplits.HoldOut(subjects, 0, 1).Validation, Is.Empty);
        });
    }
}
