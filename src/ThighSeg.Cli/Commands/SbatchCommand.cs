using System.CommandLine;
using System.Globalization;
using System.Text;
using ThighSeg.Core;
using ThighSeg.Experiments;
using ThighSeg.IO.Cohort;

namespace ThighSeg.Cli.Commands;

/// <summary>
/// <c>thighseg sbatch-predict</c>: writes a SLURM batch script that predicts a cohort as a job array of
/// <c>--tasks</c> shards (<c>--array=0-(N-1)%P</c>, per-task CPUs and threads, log paths, <c>THIGHSEG_SHARD_COUNT</c>
/// so that a task resubmitted alone still knows N). Submit it with <c>sbatch SCRIPT</c>; resubmit cancelled or failed
/// tasks with <c>sbatch --array=K,L SCRIPT</c> (finished cases are skipped).
/// <c>thighseg sbatch-experiment</c>: writes the scripts of a label-efficiency study: one array of its pretrainings,
/// one of its fine-tunings (submitted with <c>--dependency=afterok</c> on the pretrainings), a collect job (after the
/// fine-tunings, whatever their outcome) and <c>submit.sh</c>, which submits the three in order.
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

    /// <summary>The <c>sbatch-experiment</c> verb.</summary>
    public static Command CreateExperiment(TextWriter output)
    {
        var flags = new ExperimentFlags();
        var throttle = new Option<int?>("--throttle") { Description = "At most this many tasks of each array at once (the %P of --array)." };
        var threads = new Option<int>("--threads") { Description = "CPUs (and OMP_NUM_THREADS) per task.", DefaultValueFactory = _ => 1 };
        var mem = new Option<string>("--mem") { Description = "Memory per task (sbatch --mem).", DefaultValueFactory = _ => "8G" };
        var time = new Option<string>("--time") { Description = "Time limit per task (sbatch --time).", DefaultValueFactory = _ => "24:00:00" };
        var partition = new Option<string?>("--partition") { Description = "SLURM partition." };
        var logs = new Option<string?>("--logs") { Description = "Folder for the tasks' logs (default OUT/logs)." };
        var scripts = new Option<string?>("--scripts") { Description = "Folder for the scripts (default OUT/slurm)." };
        var exe = new Option<string?>("--thighseg") { Description = "How tasks start thighseg (default: this thighseg)." };
        var cmd = new Command("sbatch-experiment", "Write SLURM scripts that run a label-efficiency study as job arrays (pretrainings, then fine-tunings with --dependency=afterok, then a collect job) and submit.sh that submits them. Takes the flags of experiment.");
        foreach (var o in flags.All.Concat([throttle, threads, mem, time, partition, logs, scripts, exe]))
        {
            cmd.Options.Add(o);
        }
        cmd.SetAction(parse =>
        {
            int t = parse.GetValue(threads);
            int? p = parse.GetValue(throttle);
            if (t < 1) { throw new UsageException($"--threads must be at least 1, got {t}."); }
            if (p is < 1) { throw new UsageException($"--throttle must be at least 1, got {p}."); }
            var experiment = new LabelEfficiencyExperiment(flags.Bind(parse));
            var plan = experiment.Plan();
            string outFull = Path.GetFullPath(parse.GetValue(flags.Out)!);
            // Checks the study (test subjects, sizes, an output folder of other settings) and writes experiment.json and
            // the splits now, so that a mistake shows here and not in the queue.
            experiment.Prepare(flags.OpenData(parse), outFull);
            string logDir = Path.GetFullPath(parse.GetValue(logs) ?? Path.Combine(outFull, "logs"));
            string scriptDir = Path.GetFullPath(parse.GetValue(scripts) ?? Path.Combine(outFull, "slurm"));
            var study = new StudyJob(plan.Count(r => r.Kind == StudyRunKind.Pretrain), plan.Count, p, t, parse.GetValue(mem)!, parse.GetValue(time)!,
                parse.GetValue(partition), logDir, parse.GetValue(exe) ?? ThisThighSeg(), ["experiment", .. flags.Forward(parse)]);
            Directory.CreateDirectory(logDir);
            foreach (var (name, text) in StudyScripts(study, scriptDir))
            {
                string target = Path.Combine(scriptDir, name);
                AtomicFile.WriteAllText(target, text);
                if (!OperatingSystem.IsWindows())
                {
                    File.SetUnixFileMode(target, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                }
            }
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {scriptDir}: {study.Pretrainings} pretraining task(s), {study.Runs - study.Pretrainings} fine-tuning task(s), a collect job; submit with: bash {Path.Combine(scriptDir, "submit.sh")}"));
            return CliApp.ExitOk;
        });
        return cmd;
    }

    /// <summary>What the study's scripts need: run counts, resources, and the <c>thighseg experiment</c> command line.</summary>
    internal sealed record StudyJob(int Pretrainings, int Runs, int? Throttle, int Threads, string Mem, string Time, string? Partition, string LogDir, string ThighSeg, IReadOnlyList<string> ExperimentArgs);

    /// <summary>
    /// The study's scripts by file name: <c>pretrain.sbatch</c> (array <c>0-(P-1)</c>; absent when nothing is pretrained),
    /// <c>finetune.sbatch</c> (array <c>P-(N-1)</c>), <c>collect.sbatch</c>, and <c>submit.sh</c>. Array task ids are the
    /// run indices of <c>thighseg experiment --list</c>.
    /// </summary>
    internal static IReadOnlyList<(string Name, string Text)> StudyScripts(StudyJob job, string scriptDir)
    {
        var result = new List<(string, string)>();
        string Throttle() => job.Throttle is { } p ? "%" + p.ToString(CultureInfo.InvariantCulture) : "";
        if (job.Pretrainings > 0)
        {
            result.Add(("pretrain.sbatch", StudyScript(job, "pretrain", $"0-{job.Pretrainings - 1}{Throttle()}", ["--run-index", "$SLURM_ARRAY_TASK_ID"])));
        }
        result.Add(("finetune.sbatch", StudyScript(job, "finetune", $"{job.Pretrainings}-{job.Runs - 1}{Throttle()}", ["--run-index", "$SLURM_ARRAY_TASK_ID"])));
        result.Add(("collect.sbatch", StudyScript(job, "collect", null, ["--collect"])));
        var sb = new StringBuilder();
        sb.Append("#!/bin/bash\n");
        sb.Append("# Written by thighseg sbatch-experiment: submits the study's pretrainings, then its fine-tunings once every\n");
        sb.Append("# pretraining succeeded (afterok), then the collect job once every fine-tuning ended (afterany: it names missing runs).\n");
        sb.Append("# Extra sbatch arguments (e.g. --account=X) are passed to all three submissions.\n");
        sb.Append("set -euo pipefail\n");
        sb.Append(CultureInfo.InvariantCulture, $"dir={Quote(scriptDir)}\n");
        if (job.Pretrainings > 0)
        {
            sb.Append("pretrain=$(sbatch --parsable \"$@\" \"$dir/pretrain.sbatch\")\n");
            sb.Append("pretrain=${pretrain%%;*}\n");
            sb.Append("finetune=$(sbatch --parsable \"$@\" --dependency=afterok:$pretrain \"$dir/finetune.sbatch\")\n");
        }
        else
        {
            sb.Append("finetune=$(sbatch --parsable \"$@\" \"$dir/finetune.sbatch\")\n");
        }
        sb.Append("finetune=${finetune%%;*}\n");
        sb.Append("collect=$(sbatch --parsable \"$@\" --dependency=afterany:$finetune \"$dir/collect.sbatch\")\n");
        sb.Append("collect=${collect%%;*}\n");
        sb.Append(job.Pretrainings > 0 ? "echo \"pretrain $pretrain\"\n" : "");
        sb.Append("echo \"finetune $finetune\"\necho \"collect $collect\"\n");
        result.Add(("submit.sh", sb.ToString()));
        return result;
    }

    private static string StudyScript(StudyJob job, string step, string? array, IReadOnlyList<string> modeArgs)
    {
        var sb = new StringBuilder();
        sb.Append("#!/bin/bash\n");
        AppendHeader(sb, $"thighseg-{step}", array, job.Threads, job.Mem, job.Time, job.Partition, $"{job.LogDir}/{step}-{(array is null ? "%j" : "%A_%a")}.out");
        sb.Append("# Written by thighseg sbatch-experiment. Array task ids are run indices of thighseg experiment --list;\n");
        sb.Append("# a finished run is skipped, so resubmit failed or cancelled tasks with: sbatch --array=K,L THIS_SCRIPT\n");
        sb.Append("set -uo pipefail\n");
        sb.Append(CultureInfo.InvariantCulture, $"export OMP_NUM_THREADS={job.Threads}\n");
        sb.Append("exec ").Append(job.ThighSeg);
        foreach (string a in job.ExperimentArgs)
        {
            sb.Append(' ').Append(Quote(a));
        }
        foreach (string a in modeArgs)
        {
            sb.Append(' ').Append(a.StartsWith('$') ? $"\"{a}\"" : Quote(a));
        }
        sb.Append('\n');
        return sb.ToString();
    }

    /// <summary>The batch script text.</summary>
    internal static string Script(int tasks, int? throttle, int threads, string mem, string time, string? partition, string logDir, string thighseg, IReadOnlyList<string> predictArgs)
    {
        var sb = new StringBuilder();
        sb.Append("#!/bin/bash\n");
        AppendHeader(sb, "thighseg-predict", $"0-{tasks - 1}{(throttle is { } p ? "%" + p.ToString(CultureInfo.InvariantCulture) : "")}", threads, mem, time, partition, $"{logDir}/predict-%A_%a.out");
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

    /// <summary>The <c>#SBATCH</c> lines every script of this verb starts with (after <c>#!/bin/bash</c>).</summary>
    private static void AppendHeader(StringBuilder sb, string jobName, string? array, int threads, string mem, string time, string? partition, string output)
    {
        sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --job-name={jobName}\n");
        if (array is not null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --array={array}\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --cpus-per-task={threads}\n");
        sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --mem={mem}\n");
        sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --time={time}\n");
        if (!string.IsNullOrWhiteSpace(partition))
        {
            sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --partition={partition}\n");
        }
        sb.Append(CultureInfo.InvariantCulture, $"#SBATCH --output={output}\n");
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
