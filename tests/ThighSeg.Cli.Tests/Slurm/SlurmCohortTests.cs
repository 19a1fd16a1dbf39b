using System.Diagnostics;
using System.Text.Json.Nodes;
using ThighSeg.Cli.Tests.Support;

namespace ThighSeg.Cli.Tests.Slurm;

/// <summary>
/// Cohort prediction as a real SLURM job array (issue 14): a single-node cluster from Debian's slurm-wlm and munge
/// (tests/slurm/cluster.sh), the script <c>thighseg sbatch-predict</c> writes, one array task cancelled mid-way with
/// scancel and resubmitted alone, and the outputs compared with a single-process <c>thighseg predict</c>.
/// </summary>
[TestFixture]
[Category("Slurm")]
[NonParallelizable]
public sealed class SlurmCohortTests
{
    private const int Tasks = 3;
    private string _dir = null!;
    private TinyCohort _cohort = null!;

    [OneTimeSetUp]
    public void Prepare()
    {
        _dir = Directory.CreateTempSubdirectory("thighseg-slurm-").FullName;
        _cohort = TinyCohort.Create(_dir, subjects: 9);
    }

    [OneTimeTearDown]
    public void CleanUp()
    {
        if (_dir is not null && Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Test]
    public void AThreeTaskArray_WithOneTaskCancelledMidwayAndResubmitted_EqualsASingleProcessPrediction()
    {
        // The cohort: 9 phantoms; shard 1 of 3 gets cases 1, 4 and 7 of the sorted list. Case 4 is made 24 times as long
        // (the phantom stacked along z), so when task 1 has finished case 1 its network is busy with case 4 for a while:
        // the cancel lands mid-task, with a case in flight.
        string input = Path.Combine(_dir, "input");
        Directory.CreateDirectory(input);
        foreach (string f in _cohort.ImageFiles)
        {
            File.Copy(f, Path.Combine(input, Path.GetFileName(f)));
        }
        var names = _cohort.ImageFiles.Select(Path.GetFileName).ToList();
        Assert.That(names, Has.Count.EqualTo(9));
        string Case(int i) => CaseId(names[i]!);
        _cohort.WriteSlow(4, Path.Combine(input, names[4]!));

        string arrayOut = Path.Combine(_dir, "array");
        string script = Path.Combine(_dir, "predict.sbatch");
        var w = CliRunner.Run("sbatch-predict", "--model", _cohort.Model, "--input", input, "--out", arrayOut, "--tasks", Tasks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--threads", "1", "--mem", "1G", "--time", "00:10:00", "--script", script, "--thighseg", CliRunner.ExternalCommand());
        Assert.That(w.Code, Is.Zero, w.Err + w.Out);

        using (var cluster = SlurmCluster.Start(Path.Combine(_dir, "cluster")))
        {
            string job = cluster.Submit(script);
            string firstOfTask1 = Path.Combine(arrayOut, "cases", Case(1), "record.json");
            WaitFor(() => IsDone(firstOfTask1), TimeSpan.FromSeconds(90), () => $"task 1's first case ({Case(1)}) never finished\n{TaskLogs(arrayOut)}\n{cluster.Logs()}");
            var (cancelCode, cancelOut) = cluster.Client("scancel", $"{job}_1");
            Assert.That(cancelCode, Is.Zero, "scancel: " + cancelOut);
            cluster.WaitUntilGone(job, TimeSpan.FromSeconds(90));

            var first = cluster.ArrayTasks(job);
            Assert.That(first["0"].State, Is.EqualTo("COMPLETED"), TaskLogs(arrayOut));
            Assert.That(first["2"].State, Is.EqualTo("COMPLETED"), TaskLogs(arrayOut));
            Assert.That(first["1"].State, Is.EqualTo("CANCELLED"), TaskLogs(arrayOut));
            Assert.That(IsDone(Path.Combine(arrayOut, "cases", Case(4), "record.json")), Is.False, "case 4 was in flight when task 1 was cancelled");
            Assert.That(File.Exists(Path.Combine(arrayOut, Case(7) + ".nii.gz")), Is.False, "task 1 never reached case 7");
            Assert.That(File.Exists(Path.Combine(arrayOut, "cases", Case(4), "failed.json")), Is.False, "the cancel is not a failure");
            Assert.That(File.Exists(Path.Combine(arrayOut, "volumes.csv")), Is.False, "no task may build the cohort tables while shard 1 has cases to do");

            // Only task 1 is resubmitted, as the script's comment tells users to.
            string again = cluster.Submit(script, "--array=1");
            cluster.WaitUntilGone(again, TimeSpan.FromSeconds(90));
            var second = cluster.ArrayTasks(again);
            Assert.That(second["1"], Is.EqualTo(("COMPLETED", "0:0")), TaskLogs(arrayOut));
        }

        string single = Path.Combine(_dir, "single");
        var p = CliRunner.Run("predict", "--model", _cohort.Model, "--input", input, "--out", single, "--threads", "1");
        Assert.That(p.Code, Is.Zero, p.Err + p.Out);

        AssertSameResults(single, arrayOut, names.Select(n => CaseId(n!)).ToList());
    }

    /// <summary>Label maps and tables byte for byte, records equal but for their timestamps, nothing missing or extra, no temp files.</summary>
    internal static void AssertSameResults(string expectedDir, string actualDir, IReadOnlyList<string> caseIds)
    {
        static bool Result(string relative) => !relative.StartsWith("logs", StringComparison.Ordinal) && !relative.EndsWith(".sbatch", StringComparison.Ordinal);
        var expected = RelativeFiles(expectedDir).Where(Result).ToList();
        var actual = RelativeFiles(actualDir).Where(Result).ToList();
        Assert.That(actual.Where(f => f.EndsWith(".tmp", StringComparison.Ordinal) || Path.GetFileName(f).StartsWith('.')), Is.Empty, "temp files left behind");
        Assert.That(actual, Is.EqualTo(expected), "the same files");
        foreach (string id in caseIds)
        {
            Assert.That(actual, Does.Contain(id + ".nii.gz"), $"case {id} has a label map");
            Assert.That(IsDone(Path.Combine(actualDir, "cases", id, "record.json")), Is.True, $"case {id} is done");
        }
        foreach (string f in expected)
        {
            string e = Path.Combine(expectedDir, f), a = Path.Combine(actualDir, f);
            if (Path.GetFileName(f) == "record.json")
            {
                Assert.That(WithoutTime(a), Is.EqualTo(WithoutTime(e)), f);
            }
            else
            {
                Assert.That(File.ReadAllBytes(a), Is.EqualTo(File.ReadAllBytes(e)), f);
            }
        }
        var rows = File.ReadAllLines(Path.Combine(actualDir, "volumes.csv")).Skip(1).Select(l => l.Split(',')[0]).Distinct().ToList();
        Assert.That(rows, Is.EquivalentTo(caseIds), "every case's rows in volumes.csv, none twice");
    }

    internal static string CaseId(string fileName) => fileName.EndsWith(".nii.gz", StringComparison.Ordinal) ? fileName[..^7] : Path.GetFileNameWithoutExtension(fileName);

    internal static bool IsDone(string recordPath)
    {
        try
        {
            return File.Exists(recordPath) && JsonNode.Parse(File.ReadAllText(recordPath))?["status"]?.GetValue<string>() == "done";
        }
        catch (System.Text.Json.JsonException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }

    internal static void WaitFor(Func<bool> condition, TimeSpan timeout, Func<string> message)
    {
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            if (clock.Elapsed > timeout)
            {
                Assert.Fail(message());
            }
            Thread.Sleep(100);
        }
    }

    private static string TaskLogs(string outDir)
    {
        string logs = Path.Combine(outDir, "logs");
        return Directory.Exists(logs)
            ? string.Join("\n", Directory.EnumerateFiles(logs).Order(StringComparer.Ordinal).Select(f => $"--- {Path.GetFileName(f)}\n{File.ReadAllText(f)}"))
            : "(no task logs)";
    }

    private static List<string> RelativeFiles(string dir) =>
        Directory.EnumerateFiles(dir, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(dir, f)).Order(StringComparer.Ordinal).ToList();

    private static string WithoutTime(string recordPath)
    {
        var node = JsonNode.Parse(File.ReadAllText(recordPath))!.AsObject();
        node.Remove("utc");
        return node.ToJsonString();
    }
}
