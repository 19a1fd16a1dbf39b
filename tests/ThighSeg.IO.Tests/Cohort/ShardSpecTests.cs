using System.Collections;
using ThighSeg.IO.Cohort;

namespace ThighSeg.IO.Tests.Cohort;

[TestFixture]
public sealed class ShardSpecTests
{
    [Test]
    public void Parse_AcceptsKOfN_AndRefusesTheRest()
    {
        Assert.That(ShardSpec.Parse("2/4"), Is.EqualTo(new ShardSpec(2, 4)));
        foreach (string bad in new[] { "4/4", "-1/4", "1", "a/b", "0/0", "1/2/3" })
        {
            Assert.That(() => ShardSpec.Parse(bad), Throws.InstanceOf<FormatException>().With.Message.Contains(bad), bad);
        }
    }

    [Test]
    public void Select_CoversEveryItemExactlyOnce()
    {
        var items = Enumerable.Range(0, 23).ToList();
        var all = Enumerable.Range(0, 5).SelectMany(k => new ShardSpec(k, 5).Select(items)).Order().ToList();
        Assert.That(all, Is.EqualTo(items));
    }

    [Test]
    public void FromEnvironment_Slurm_PrefersTheShardCountVariable()
    {
        Assert.That(ShardSpec.FromEnvironment(new Hashtable()), Is.Null);
        Assert.That(ShardSpec.FromEnvironment(new Hashtable { ["SLURM_ARRAY_TASK_ID"] = "2", ["SLURM_ARRAY_TASK_COUNT"] = "3" }), Is.EqualTo(new ShardSpec(2, 3)));
        // a task resubmitted alone (sbatch --array=1) sees a count of 1: the script's THIGHSEG_SHARD_COUNT wins
        Assert.That(ShardSpec.FromEnvironment(new Hashtable { ["SLURM_ARRAY_TASK_ID"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "1", [ShardSpec.CountVariable] = "3" }), Is.EqualTo(new ShardSpec(1, 3)));
        Assert.That(() => ShardSpec.FromEnvironment(new Hashtable { ["SLURM_ARRAY_TASK_ID"] = "1", ["SLURM_ARRAY_TASK_COUNT"] = "1" }),
            Throws.InstanceOf<FormatException>().With.Message.Contains("0-(N-1)"));
        Assert.That(() => ShardSpec.FromEnvironment(new Hashtable { ["JOB_COMPLETION_INDEX"] = "0" }),
            Throws.InstanceOf<FormatException>().With.Message.Contains(ShardSpec.CountVariable));
    }

    /// <summary>The Kubernetes Indexed Job of the docs: its completions, parallelism and environment match the contract.</summary>
    [Test]
    public void TheDocumentedKubernetesIndexedJob_GivesEveryPodADistinctShard()
    {
        string root = TestContext.CurrentContext.TestDirectory;
        while (!File.Exists(Path.Combine(root, "ThighSeg.sln")))
        {
            root = Path.GetDirectoryName(root) ?? throw new InvalidOperationException("repository root not found");
        }
        string[] yaml = File.ReadAllLines(Path.Combine(root, "docs", "kubernetes", "predict-indexed-job.yaml"));
        string Value(string key) => yaml.Select(l => l.Trim()).First(l => l.StartsWith(key, StringComparison.Ordinal))[key.Length..].Trim().Trim('"');
        Assert.That(Value("completionMode:"), Is.EqualTo("Indexed"));
        int completions = int.Parse(Value("completions:"), System.Globalization.CultureInfo.InvariantCulture);
        int countLine = Array.FindIndex(yaml, l => l.Contains($"name: {ShardSpec.CountVariable}", StringComparison.Ordinal));
        Assert.That(countLine, Is.GreaterThan(0), "the manifest sets " + ShardSpec.CountVariable);
        string count = yaml[countLine + 1].Trim()["value:".Length..].Trim().Trim('"');
        Assert.That(count, Is.EqualTo(completions.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.That(yaml.Any(l => l.Contains("predict", StringComparison.Ordinal)) && !yaml.Any(l => l.Contains("--shard", StringComparison.Ordinal)), Is.True, "the pods take the shard from the environment");
        var items = Enumerable.Range(0, 50).ToList();
        var covered = Enumerable.Range(0, completions)
            .Select(i => ShardSpec.FromEnvironment(new Hashtable { ["JOB_COMPLETION_INDEX"] = i.ToString(System.Globalization.CultureInfo.InvariantCulture), [ShardSpec.CountVariable] = count })!.Value)
            .SelectMany(s => s.Select(items)).Order().ToList();
        Assert.That(covered, Is.EqualTo(items));
    }
}
