using System.Diagnostics;
using System.Globalization;

namespace ThighSeg.Cli.Tests;

/// <summary>
/// benchmarks/quantification/ff-predicted.sh in its dry-run mode (tiny cohort, two training steps), run with this build's
/// CLI, so the script cannot rot: it must print the markdown table, and with ground-truth labels every fat-fraction error
/// must be within 0.5 percentage points and every volume exact (the predicted-label columns of a two-step model mean
/// nothing and are not checked).
/// </summary>
[TestFixture]
[Category("Slow")]
public sealed class FfPredictedScriptTests
{
    [Test]
    public void DryRun_PrintsTheTable_AndTrueLabelsGiveTheTruth()
    {
        string script = Path.Combine(RepositoryRoot(), "benchmarks", "quantification", "ff-predicted.sh");
        if (!File.Exists("/usr/bin/python3"))
        {
            Assert.Ignore("/usr/bin/python3 is not installed");
        }
        string work = Directory.CreateTempSubdirectory("thighseg-ff-dry-").FullName;
        try
        {
            var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add(script);
            psi.ArgumentList.Add("--dry-run");
            psi.ArgumentList.Add(work);
            psi.Environment["THIGHSEG"] = $"dotnet {typeof(CliApp).Assembly.Location}";
            using var p = Process.Start(psi)!;
            var err = p.StandardError.ReadToEndAsync();
            string output = p.StandardOutput.ReadToEnd();
            Assert.That(p.WaitForExit(300_000), Is.True, "the dry run finishes within 5 minutes");
            Assert.That(p.ExitCode, Is.Zero, err.Result);
            Assert.That(output, Does.Contain("| muscle | side | true FF (%) |").And.Contain("| all | both |").And.Contain("DRY RUN"));
            var rows = output.Split('\n').Where(l => l.StartsWith("| ", StringComparison.Ordinal) && !l.StartsWith("| muscle", StringComparison.Ordinal) && !l.StartsWith("| all", StringComparison.Ordinal)).ToList();
            Assert.That(rows, Has.Count.GreaterThanOrEqualTo(10));
            foreach (string row in rows)
            {
                string[] cells = row.Split('|', StringSplitOptions.TrimEntries);
                double ffErrorMean = double.Parse(cells[4].Split(' ')[0], CultureInfo.InvariantCulture);
                double volumeErrorMean = double.Parse(cells[6].Split(' ')[0], CultureInfo.InvariantCulture);
                Assert.That(Math.Abs(ffErrorMean), Is.LessThanOrEqualTo(0.5), row);
                Assert.That(Math.Abs(volumeErrorMean), Is.LessThanOrEqualTo(1e-6), row);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "ThighSeg.sln")))
            {
                return dir.FullName;
            }
        }
        throw new DirectoryNotFoundException($"ThighSeg.sln not found above {AppContext.BaseDirectory}");
    }
}
