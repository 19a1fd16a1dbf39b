using System.Diagnostics;
using System.Text.RegularExpressions;
using ThighSeg.IO.Tests.Dicom;

namespace ThighSeg.Cli.Tests.Slurm;

/// <summary>
/// A real single-node SLURM cluster (munged, slurmctld, slurmd from Debian's slurm-wlm and munge) started by
/// tests/slurm/cluster.sh in its own folder, and its client commands (sbatch, squeue, scancel, scontrol) pointed at it
/// through SLURM_CONF. <see cref="Dispose"/> stops every daemon by PID; call it from a finally or a TearDown.
/// </summary>
internal sealed partial class SlurmCluster : IDisposable
{
    private readonly string _script;
    private bool _stopped;

    private SlurmCluster(string script, string directory)
    {
        _script = script;
        Directory = directory;
    }

    /// <summary>The cluster's state folder (slurm.conf, logs, spool).</summary>
    public string Directory { get; }

    /// <summary>The cluster's slurm.conf (what SLURM_CONF points at).</summary>
    public string Conf => Path.Combine(Directory, "slurm.conf");

    /// <summary>
    /// Starts a cluster in <paramref name="directory"/>; Assert.Ignore where the SLURM or munge binaries are missing, or
    /// where the tests do not run as root (slurmd starts jobs as their submitting user).
    /// </summary>
    public static SlurmCluster Start(string directory)
    {
        foreach (string tool in new[] { "munged", "slurmctld", "slurmd", "sbatch", "squeue", "scancel", "scontrol", "sinfo" })
        {
            if (ExternalTool.Find(tool) is null)
            {
                Assert.Ignore($"{tool} is not installed (Debian packages slurm-wlm and munge; .ci/run installs them): the real-SLURM tests are skipped.");
            }
        }
        if (Environment.UserName != "root")
        {
            Assert.Ignore("The real-SLURM tests start slurmd, which must run as root (CI runs as root); skipped for user " + Environment.UserName + ".");
        }
        string script = FindScript();
        var cluster = new SlurmCluster(script, directory);
        var (code, output) = Run("bash", [script, "start", directory], null, 60_000);
        if (code != 0)
        {
            cluster.Dispose();
            Assert.Fail($"tests/slurm/cluster.sh start failed ({code}): {output}\n{cluster.Logs()}");
        }
        return cluster;
    }

    /// <summary>Runs a SLURM client command against this cluster; returns its exit code and combined output.</summary>
    public (int Code, string Output) Client(string tool, params string[] args) => Run(tool, args, Conf, 60_000);

    /// <summary>Submits <paramref name="script"/> with extra sbatch arguments; returns the job id.</summary>
    public string Submit(string script, params string[] args)
    {
        var (code, output) = Client("sbatch", ["--parsable", .. args, script]);
        Assert.That(code, Is.Zero, "sbatch: " + output);
        return output.Trim().Split(';')[0];
    }

    /// <summary>Waits until no task of job <paramref name="jobId"/> is pending or running.</summary>
    public void WaitUntilGone(string jobId, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < timeout)
        {
            var (code, output) = Client("squeue", "-h", "-j", jobId, "-o", "%i %T");
            if (code == 0 && output.Trim().Length == 0)
            {
                return;
            }
            Thread.Sleep(200);
        }
        Assert.Fail($"job {jobId} still queued or running after {timeout.TotalSeconds:F0} s\n{Logs()}");
    }

    /// <summary>The final state and exit code of each array task of <paramref name="jobId"/> ("1" -> ("CANCELLED", "0:15")).</summary>
    public IReadOnlyDictionary<string, (string State, string ExitCode)> ArrayTasks(string jobId)
    {
        var (_, output) = Client("scontrol", "-o", "show", "job", jobId);
        var tasks = new Dictionary<string, (string, string)>(StringComparer.Ordinal);
        foreach (string line in output.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var task = TaskId().Match(line);
            var state = JobState().Match(line);
            var exit = ExitCode().Match(line);
            if (task.Success && state.Success && exit.Success)
            {
                tasks[task.Groups[1].Value] = (state.Groups[1].Value, exit.Groups[1].Value);
            }
        }
        return tasks;
    }

    /// <summary>The daemons' log tails, for failure messages.</summary>
    public string Logs()
    {
        string dir = Path.Combine(Directory, "log");
        if (!System.IO.Directory.Exists(dir))
        {
            return "";
        }
        return string.Join("\n", System.IO.Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal)
            .Select(f => $"--- {Path.GetFileName(f)} (tail)\n" + string.Join("\n", File.ReadAllLines(f).TakeLast(15))));
    }

    /// <summary>Cancels every job and stops the daemons by their PIDs (tests/slurm/cluster.sh stop); idempotent.</summary>
    public void Dispose()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        var (code, output) = Run("bash", [_script, "stop", Directory], null, 60_000);
        if (code != 0)
        {
            TestContext.Out.WriteLine($"tests/slurm/cluster.sh stop: exit {code}: {output}");
        }
    }

    private static string FindScript()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = Path.Combine(dir.FullName, "tests", "slurm", "cluster.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new FileNotFoundException("tests/slurm/cluster.sh not found above " + TestContext.CurrentContext.TestDirectory);
    }

    private static (int Code, string Output) Run(string tool, IEnumerable<string> args, string? conf, int timeoutMs)
    {
        var psi = new ProcessStartInfo(ExternalTool.Find(tool) ?? tool)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (conf is not null)
        {
            psi.Environment["SLURM_CONF"] = conf;
        }
        using var process = Process.Start(psi)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(timeoutMs))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            return (-1, $"{tool} did not finish within {timeoutMs / 1000} s: {stdout.Result}{stderr.Result}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    [GeneratedRegex(@"\bArrayTaskId=(\d+)\b")]
    private static partial Regex TaskId();

    [GeneratedRegex(@"\bJobState=(\S+)")]
    private static partial Regex JobState();

    [GeneratedRegex(@"\bExitCode=(\S+)")]
    private static partial Regex ExitCode();
}
