using System.Diagnostics;
using ThighSeg.Cli.Tests.Support;

namespace ThighSeg.Cli.Tests.Slurm;

/// <summary>
/// A label-efficiency study as real SLURM job arrays (issue 14): the scripts <c>thighseg sbatch-experiment</c> writes,
/// submitted with its submit.sh on a single-node cluster (tests/slurm/cluster.sh): the pretraining array, the
/// fine-tuning array after it (afterok), then the collect job; the reports equal a single-process
/// <c>thighseg experiment</c> with the same settings and thread count.
/// </summary>
[TestFixture]
[Category("Slurm")]
[NonParallelizable]
public sealed class SlurmStudyTests
{
    // A tiny budget: the array mechanics are tested, not accuracy.
    private static readonly string[] Study =
    [
        "--methods", "rnd,pcl", "--sizes", "1", "--pretrain-epochs", "1", "--pretrain-steps", "2", "--pretrain-batch", "4", "--finetune-epochs", "1",
        "--finetune-steps", "2", "--finetune-batch", "4", "--filters", "4", "--size", "32", "--spacing", "6", "--embedding", "8", "--device", "cpu",
    ];

    private string _dir = null!;

    [OneTimeSetUp]
    public void Prepare() => _dir = Directory.CreateTempSubdirectory("thighseg-slurm-study-").FullName;

    [OneTimeTearDown]
    public void CleanUp()
    {
        if (_dir is not null && Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Test]
    public void AStudyAsPretrainFinetuneAndCollectArrays_WritesTheReportsOfASingleProcessRun()
    {
        string cohort = Path.Combine(_dir, "cohort");
        var s = CliRunner.Run("synth", "--out", cohort, "--subjects", "6", "--labeled", "3", "--test", "1", "--size", "64", "--seed", "5");
        Assert.That(s.Code, Is.Zero, s.Err);
        string manifest = Path.Combine(cohort, "manifest.csv");
        string arrayOut = Path.Combine(_dir, "array");

        var w = CliRunner.Run(["sbatch-experiment", "--data", manifest, "--out", arrayOut, .. Study, "--threads", "1", "--mem", "1G", "--time", "00:10:00",
            "--thighseg", CliRunner.ExternalCommand()]);
        Assert.That(w.Code, Is.Zero, w.Err + w.Out);
        string scripts = Path.Combine(arrayOut, "slurm");
        Assert.That(File.ReadAllText(Path.Combine(scripts, "pretrain.sbatch")), Does.Contain("#SBATCH --array=0-0"));
        Assert.That(File.ReadAllText(Path.Combine(scripts, "finetune.sbatch")), Does.Contain("#SBATCH --array=1-2"));

        using (var cluster = SlurmCluster.Start(Path.Combine(_dir, "cluster")))
        {
            var (code, output) = RunWithConf(cluster, "bash", Path.Combine(scripts, "submit.sh"));
            Assert.That(code, Is.Zero, "submit.sh: " + output);
            var jobs = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).ToDictionary(p => p[0], p => p[1]);
            Assert.That(jobs.Keys, Is.EquivalentTo(new[] { "pretrain", "finetune", "collect" }), output);
            foreach (string step in new[] { "pretrain", "finetune", "collect" })
            {
                cluster.WaitUntilGone(jobs[step], TimeSpan.FromSeconds(150));
            }
            string logs = Logs(arrayOut);
            Assert.That(cluster.ArrayTasks(jobs["pretrain"]).Values, Is.EqualTo(new[] { ("COMPLETED", "0:0") }), logs);
            Assert.That(cluster.ArrayTasks(jobs["finetune"]).Values, Is.EqualTo(new[] { ("COMPLETED", "0:0"), ("COMPLETED", "0:0") }),
                "the fine-tunings ran after the pretraining they need (afterok)\n" + logs);
            var (_, collect) = cluster.Client("scontrol", "-o", "show", "job", jobs["collect"]);
            Assert.That(collect, Does.Contain("JobState=COMPLETED").And.Contain("ExitCode=0:0"), logs);
        }

        // The single-process run, in its own process with the tasks' thread count (OMP_NUM_THREADS=1), as the tasks ran.
        string single = Path.Combine(_dir, "single");
        var (sCode, sOut) = Run("bash", "-c", $"OMP_NUM_THREADS=1 exec {CliRunner.ExternalCommand()} experiment --data '{manifest}' --out '{single}' {string.Join(' ', Study)}");
        Assert.That(sCode, Is.Zero, sOut);

        foreach (string report in new[] { "metrics.csv", "summary.csv" })
        {
            string expected = Path.Combine(single, report), actual = Path.Combine(arrayOut, report);
            Assert.That(File.Exists(expected), Is.True, report + " in the single-process run");
            Assert.That(File.ReadAllText(actual), Is.EqualTo(File.ReadAllText(expected)), report);
        }
        Assert.That(File.Exists(Path.Combine(arrayOut, "summary.md")), Is.True);
        Assert.That(Directory.EnumerateFiles(arrayOut, "*.tmp", SearchOption.AllDirectories), Is.Empty, "no temp file left");
    }

    private static string Logs(string outDir)
    {
        string logs = Path.Combine(outDir, "logs");
        return Directory.Exists(logs)
            ? string.Join("\n", Directory.EnumerateFiles(logs).Order(StringComparer.Ordinal).Select(f => $"--- {Path.GetFileName(f)}\n{string.Join("\n", File.ReadAllLines(f).TakeLast(20))}"))
            : "(no logs)";
    }

    private static (int Code, string Output) RunWithConf(SlurmCluster cluster, string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        psi.Environment["SLURM_CONF"] = cluster.Conf;
        return Wait(psi);
    }

    private static (int Code, string Output) Run(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return Wait(psi);
    }

    private static (int Code, string Output) Wait(ProcessStartInfo psi)
    {
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(300_000))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{psi.FileName} did not finish within 300 s: {stdout.Result}{stderr.Result}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }
}
