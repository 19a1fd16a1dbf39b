using System.CommandLine;
using System.Globalization;
using System.Text;
using ThighSeg.Core;
using ThighSeg.IO.Cohort;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg sbatch-predict</c>: writes a SLURM batch script that predicts a cohort as a job array of
/// <c>--tasks</c> shards (<c>--array=0-(N-1)%P</c>, per-task CPUs and threads, log paths, <c>THIGHSEG_SHARD_COUNT</c>
/// so that a task resubmitted alone still knows N). Submit it with <c>sbatch SCRIPT</c>; resubmit cancelled or failed
/// tasks with <c>sbatch --array=K,L SCRIPT</c> (finished cases are skipped).
/// </summary>
internal static class SbatchCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "The fine-tuned model folder.", Required = true };
        var input = new Option<string>("--input") { Description = "The cohort: a folder, a manifest .csv, a file.", Required = true };
        var outDir = new Option<string>("--out") { Description = "The prediction output folder (logs go to OUT/logs unless --logs).", Required = true };
        var tasks = new Option<int>("--tasks") { Description = "Array tasks (shards).", Required = true };
        var throttle = new Option<int?>("--throttle") { Description = "At most this many tasks at once (the %P of --array)." };
        var threads = new Option<int>("--threads") { Description = "CPUs and network threads per task.", DefaultValueFactory = _ => 1 };
        var mem = new Option<string>("--mem") { Description = "Memory per task (sbatch --mem).", DefaultValueFactory = _ => "4G" };
        var time = new Option<string>("--time") { Description = "Time limit per task (sbatch --time).", DefaultValueFactory = _ => "04:00:00" };
        var partition = new Option<string?>("--partition") { Description = "SLURM partition." };
        var logs = new Option<string?>("--logs") { Description = "Folder for the tasks' logs (default OUT/logs)." };
        var script = new Option<string?>("--script") { Description = "Script path (default OUT/predict.sbatch)." };
        var exe = new Option<string?>("--thighseg") { Description = "How tasks start thighseg (default: this thighseg)." };
        var noTta = new Option<bool>("--no-tta") { Description = "Pass --no-tta to predict." };
        var largest = new Option<bool>("--largest-component") { Description = "Pass --largest-component to predict." };
        var device = new Option<string>("--device") { Description = "Pass --device to predict.", DefaultValueFactory = _ => "cpu" };
        device.AcceptOnlyFromAmong("auto", "cpu", "cuda");
        var cmd = new Command("sbatch-predict", "Write a SLURM job-array script that predicts a cohort in shards (resumable; resubmit single tasks with sbatch --array=K).");
        foreach (var o in new Option[] { model, input, outDir, tasks, throttle, threads, mem, time, partition, logs, script, exe, noTta, largest, device })
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(parse =>
        {
            int n = parse.GetValue(tasks), t = parse.GetValue(threads);
            int? p = parse.GetValue(throttle);
            if (n < 1) { throw new UsageException($"--tasks must be at least 1, got {n}."); }
            if (t < 1) { throw new UsageException($"--threads must be at least 1, got {t}."); }
            if (p is < 1) { throw new UsageException($"--throttle must be at least 1, got {p}."); }
            string outFull = Path.GetFullPath(parse.GetValue(outDir)!);
            string logDir = Path.GetFullPath(parse.GetValue(logs) ?? Path.Combine(outFull, "logs"));
            string target = Path.GetFullPath(parse.GetValue(script) ?? Path.Combine(outFull, "predict.sbatch"));
            var predict = new List<string> { "predict", "--model", Path.GetFullPath(parse.GetValue(model)!), "--input", Path.GetFullPath(parse.GetValue(input)!),
                "--out", outFull, "--threads", t.ToString(CultureInfo.InvariantCulture), "--device", parse.GetValue(device)! };
            if (parse.GetValue(noTta)) { predict.Add("--no-tta"); }
            if (parse.GetValue(largest)) { predict.Add("--largest-component"); }
            string text = Script(n, p, t, parse.GetValue(mem)!, parse.GetValue(time)!, parse.GetValue(partition), logDir, parse.GetValue(exe) ?? ThisThighSeg(), predict);
            Directory.CreateDirectory(logDir);
            AtomicFile.WriteAllText(target, text);
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
            }
            output.WriteLine($"wrote {target}: {n} task(s){(p is null ? "" : $", at most {p} at once")}; submit with: sbatch {target}");
            return CliApp.ExitOk;
        });
        return cmd;
    }

    /// <summary>The batch script text.</summary>
    internal static string Script(int tasks, int? throttle, int threads, string mem, string time, string? partition, string logDir, string thighseg, IReadOnlyList<string> predictArgs)
    {
        var sb = new StringBuilder();
        sb.Append("#!/bin/bash\n");
        sb.Append("#SBATCH --job-name=thighseg-predict\n");
        sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --array=0-{tasks - 1}{(throttle is { } p ? "%" + p.ToString(CultureInfo.InvariantCulture) : "")}\n");
        sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={threads}\n");
        sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --mem={mem}\n");
        sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --time={time}\n");
        if (!string.IsNullOrWhiteSpace(partition))
        {
            sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --partition={partition}\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --output={logDir}/predict-%A_%a.out\n");
        sb.Append("# Written by thighseg sbatch-predict. Each task predicts shard SLURM_ARRAY_TASK_ID of THIGHSEG_SHARD_COUNT;\n");
        sb.Append("# finished cases are skipped, so resubmit cancelled or failed tasks with: sbatch --array=K,L THIS_SCRIPT\n");
        sb.Append("# Exit code 11..110: that many cases failed (see OUT/failures.csv); the last task to finish builds the cohort tables.\n");
        sb.Append("set -uo pipefail\n");
        sb.Append(CultureInfo.InvariantCulture, $"export {ShardSpec.CountVariable}={tasks}\n");
        sb.Append(CultureInfo.InvariantCulture, $"export OMP_NUM_THREADS={threads}\n");
        sb.Append("exec ").Append(thighseg);
        foreach (string a in predictArgs)
        {
            sb.Append(' ').Append(Quote(a));
        }
        sb.Append('\n');
        return sb.ToString();
    }

    /// <summary>A word for bash, single-quoted.</summary>
    internal static string Quote(string word) => "'" + word.Replace("'", "'\"'\"'", StringComparison.Ordinal) + "'";

    private static string ThisThighSeg()
    {
        string process = Environment.ProcessPath ?? "thighseg";
        return Path.GetFileNameWithoutExtension(process).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? Quote(process) + " " + Quote(typeof(CliApp).Assembly.Location)
            : Quote(process);
    }
}
