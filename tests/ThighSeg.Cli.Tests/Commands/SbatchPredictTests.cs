namespace ThighSeg.Cli.Tests.Commands;

/// <summary><c>thighseg sbatch-predict</c>: the job-array script of a cohort prediction (no SLURM needed to check its text).</summary>
[TestFixture]
public sealed class SbatchPredictTests
{
    [Test]
    public void Script_HasArrayThrottleThreadsLogsShardCountAndThePredictCommand()
    {
        string dir = Directory.CreateTempSubdirectory("thighseg-cli-sbatch-").FullName;
        try
        {
            string outDir = Path.Combine(dir, "pred");
            using var o = new StringWriter();
            using var e = new StringWriter();
            int code = CliApp.Run(["sbatch-predict", "--model", Path.Combine(dir, "model"), "--input", Path.Combine(dir, "cohort"), "--out", outDir,
                "--tasks", "3", "--throttle", "2", "--threads", "4", "--partition", "short", "--thighseg", "thighseg"], o, e);
            Assert.That(code, Is.Zero, e.ToString());
            string text = File.ReadAllText(Path.Combine(outDir, "predict.sbatch"));
            Assert.That(text, Does.StartWith("#!/bin/bash\n#SBATCH --job-name=thighseg-predict\n#SBATCH --array=0-2%2\n#SBATCH --cpus-per-task=4\n"));
            Assert.That(text, Does.Contain("#SBATCH --partition=short\n").And.Contain($"#SBATCH --output={Path.Combine(outDir, "logs")}/predict-%A_%a.out\n"));
            Assert.That(text, Does.Contain("export THIGHSEG_SHARD_COUNT=3\n").And.Contain("export OMP_NUM_THREADS=4\n"));
            Assert.That(text, Does.Contain($"exec thighseg 'predict' '--model' '{Path.Combine(dir, "model")}'").And.Contain("'--threads' '4'"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
