using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using ThighSeg.Torch;
using ThighSeg.Torch.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Benchmarks.Peer;

/// <summary>
/// Side-by-side comparison with PyTorch: <c>dotnet run -c Release --project benchmarks/ThighSeg.Benchmarks -- peer
/// [--device cpu|cuda] [--threads N] [--python PATH] [--script PATH] [--out DIR] [--rounds R] [--cases a,b,...]
/// [--quick] [--channels-last] [--tf32] [--cudnn-benchmark] [--bf16] [--best]</c> (<c>--best</c>: PyTorch's best
/// settings, channels-last + cuDNN autotuning + bf16 autocast, on both sides)<c></c>.
/// </summary>
/// <remarks>
/// For every case ThighSeg builds the model with its own code, exports the weights and inputs, and computes the check
/// values; the PyTorch script (benchmarks/peer/unet_peer.py) loads exactly those weights into its own definition of the
/// same network (strict state-dict load: same names, shapes and parameter count), computes the same outputs, and
/// times the same step. Rounds alternate ThighSeg then PyTorch; each side's time per case is the best over rounds
/// of the median block mean, so a burst of load from other processes hurts neither side more than the other.
/// </remarks>
public static class PeerHarness
{
    public static int Run(string[] args, TextWriter output)
    {
        var o = PeerArgs.Parse(args);
        Device device = TorchBackend.Resolve(o.Device);
        int threads = TorchPerformance.ConfigureCpuThreads(o.Threads);
        if (device.type == DeviceType.CUDA)
        {
            TorchPerformance.SetTf32(o.Variant.Tf32);
            if (o.Variant.CudnnBenchmark)
            {
                TorchPerformance.SetCudnnBenchmark(true);
            }
        }
        var cases = (BenchmarkHost.IsSmoke ? PeerCase.Smoke() : device.type == DeviceType.CUDA ? PeerCase.Gpu() : PeerCase.Cpu(o.Quick))
            .Where(c => o.Cases is null || o.Cases.Any(n => c.Name.StartsWith(n, StringComparison.Ordinal)))
            .ToList();
        if (cases.Count == 0)
        {
            output.WriteLine("No case matches --cases.");
            return 2;
        }
        string work = Path.Combine(o.Out, "work");
        if (Directory.Exists(work))
        {
            Directory.Delete(work, recursive: true);
        }
        Directory.CreateDirectory(work);
        var info = TorchBackend.Describe(o.Device);
        output.WriteLine($"// ThighSeg side: {info}");
        output.WriteLine($"// variant: {o.Variant}; intra-op threads {threads}; cudnn benchmark {TorchPerformance.CudnnBenchmarkEnabled}; tf32 {(device.type == DeviceType.CUDA ? TorchPerformance.Tf32Enabled : false)}");
        File.WriteAllText(Path.Combine(work, "cases.json"), JsonSerializer.Serialize(cases));

        // Prepare every case once: export weights/inputs, ThighSeg's check values.
        var checks = new Dictionary<string, CheckResult>();
        foreach (var c in cases)
        {
            using var dc = new DotnetCase(c, device, o.Variant);
            checks[c.Name] = dc.Prepare(Path.Combine(work, c.Name));
        }

        var dotnetTimes = cases.ToDictionary(c => c.Name, _ => new List<double>());
        var pythonTimes = cases.ToDictionary(c => c.Name, _ => new List<double>());
        var dotnetCpu = cases.ToDictionary(c => c.Name, _ => new List<double>());
        var pythonCpu = cases.ToDictionary(c => c.Name, _ => new List<double>());
        var dotnetRss = new Dictionary<string, double>();
        var pythonRss = new Dictionary<string, double>();
        var pythonGpu = new Dictionary<string, double>();
        string pythonEnv = "";
        for (int round = 0; round < o.Rounds; round++)
        {
            output.WriteLine($"// round {round + 1}/{o.Rounds}: ThighSeg ({Load()})");
            foreach (var c in cases)
            {
                ResetPeakRss();
                using var dc = new DotnetCase(c, device, o.Variant);
                dc.Prepare(Path.Combine(work, "scratch", c.Name));
                var blocks = dc.Time();
                dotnetTimes[c.Name].Add(Median(blocks.Select(b => b.Wall).ToList()));
                dotnetCpu[c.Name].Add(Median(blocks.Select(b => b.Cpu).ToList()));
                dotnetRss[c.Name] = Math.Max(dotnetRss.GetValueOrDefault(c.Name), PeakRssMb());
            }
            output.WriteLine($"// round {round + 1}/{o.Rounds}: PyTorch ({Load()})");
            var py = RunPython(o, work, device, threads, round, check: round == 0, output);
            pythonEnv = py.GetProperty("env").GetString() ?? "";
            foreach (var c in cases)
            {
                var r = py.GetProperty("cases").GetProperty(c.Name);
                pythonTimes[c.Name].Add(Median(r.GetProperty("blocks").EnumerateArray().Select(e => e.GetDouble()).ToList()));
                pythonCpu[c.Name].Add(Median(r.GetProperty("cpu_blocks").EnumerateArray().Select(e => e.GetDouble()).ToList()));
                pythonRss[c.Name] = Math.Max(pythonRss.GetValueOrDefault(c.Name), r.GetProperty("rss_peak_mb").GetDouble());
                if (r.TryGetProperty("gpu_peak_mb", out var g) && g.ValueKind == JsonValueKind.Number)
                {
                    pythonGpu[c.Name] = g.GetDouble();
                }
            }
        }
        Directory.Delete(Path.Combine(work, "scratch"), recursive: true);

        var rows = new List<PeerRow>();
        foreach (var c in cases)
        {
            var check = CompareOutputs(c, checks[c.Name], Path.Combine(work, c.Name), device.type == DeviceType.CUDA && o.Variant.Tf32, o.Variant.Bf16);
            double ts = dotnetTimes[c.Name].Min(), pt = pythonTimes[c.Name].Min();
            rows.Add(new PeerRow(c, ts, pt, dotnetCpu[c.Name].Min(), pythonCpu[c.Name].Min(), dotnetRss.GetValueOrDefault(c.Name), pythonRss.GetValueOrDefault(c.Name),
                pythonGpu.TryGetValue(c.Name, out var gm) ? gm : null, check));
        }
        string header = string.Create(CultureInfo.InvariantCulture,
            $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {CpuModel()}; {info}; PyTorch side: {pythonEnv}; variant: {o.Variant}; threads {threads}; rounds {o.Rounds}; load after run: {Load()}");
        string table = Format(rows, device.type == DeviceType.CUDA);
        output.WriteLine();
        output.WriteLine($"// {header}");
        output.WriteLine(table);
        Directory.CreateDirectory(o.Out);
        File.WriteAllText(Path.Combine(o.Out, "peer-results.md"), $"<!-- {header} -->\n{table}");
        File.WriteAllText(Path.Combine(o.Out, "peer-results.csv"), Csv(rows));
        File.WriteAllText(Path.Combine(o.Out, "peer-results.json"), JsonSerializer.Serialize(new
        {
            header,
            rows = rows.Select(r => new
            {
                r.Case.Name,
                description = r.Case.Describe(),
                thighseg_ms = r.ThighSegMs,
                pytorch_ms = r.PyTorchMs,
                ratio = r.Ratio,
                thighseg_cpu_ms = r.ThighSegCpuMs,
                pytorch_cpu_ms = r.PyTorchCpuMs,
                thighseg_rounds_ms = dotnetTimes[r.Case.Name],
                pytorch_rounds_ms = pythonTimes[r.Case.Name],
                thighseg_rss_peak_mb = r.ThighSegRssMb,
                pytorch_rss_peak_mb = r.PyTorchRssMb,
                pytorch_gpu_peak_mb = r.PyTorchGpuMb,
                check = r.Check.Summary,
                identical = r.Check.Passed,
            }),
        }, new JsonSerializerOptions { WriteIndented = true }));
        output.WriteLine($"// written: {Path.GetFullPath(Path.Combine(o.Out, "peer-results.md"))} (.csv, .json)");
        return rows.All(r => r.Check.Passed) ? 0 : 1;
    }

    private static JsonElement RunPython(PeerArgs o, string work, Device device, int threads, int round, bool check, TextWriter output)
    {
        var psi = new ProcessStartInfo(o.Python)
        {
            RedirectStandardOutput = false,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(o.Script);
        foreach (string a in new[] { "--dir", work, "--device", device.type == DeviceType.CUDA ? "cuda" : "cpu",
                     "--threads", threads.ToString(CultureInfo.InvariantCulture), "--round", round.ToString(CultureInfo.InvariantCulture) })
        {
            psi.ArgumentList.Add(a);
        }
        if (check) { psi.ArgumentList.Add("--check"); }
        if (o.Variant.ChannelsLast) { psi.ArgumentList.Add("--channels-last"); }
        if (o.Variant.Tf32) { psi.ArgumentList.Add("--tf32"); }
        if (o.Variant.CudnnBenchmark) { psi.ArgumentList.Add("--cudnn-benchmark"); }
        if (o.Variant.Bf16) { psi.ArgumentList.Add("--bf16"); }
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start {o.Python}.");
        p.WaitForExit();
        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{o.Python} {o.Script} exited with {p.ExitCode}.");
        }
        output.Flush();
        string resultPath = Path.Combine(work, $"python_round{round}.json");
        return JsonDocument.Parse(File.ReadAllText(resultPath)).RootElement.Clone();
    }

    /// <summary>The identical-output check: parameter count, outputs (max |diff| / max |ThighSeg|), loss and gradient norm.</summary>
    /// <remarks>Tolerance: 2e-3 in fp32, 2e-2 with TF32, 1e-1 with bf16 autocast (8 significant bits; two libraries
    /// round and accumulate differently, so a few ulps of bf16 through a network).</remarks>
    internal static OutputCheck CompareOutputs(PeerCase c, CheckResult ts, string dir, bool reducedPrecision, bool bf16 = false)
    {
        double tol = bf16 ? 1e-1 : reducedPrecision ? 2e-2 : 2e-3;
        var py = JsonSerializer.Deserialize<CheckResult>(File.ReadAllText(Path.Combine(dir, "python_check.json")))!;
        float[] a = RawIO.ReadFloats(Path.Combine(dir, "dotnet_output.bin"));
        float[] b = RawIO.ReadFloats(Path.Combine(dir, "python_output.bin"));
        if (a.Length != b.Length || py.ParamCount != ts.ParamCount)
        {
            return new OutputCheck(false, $"MISMATCH: outputs {a.Length} vs {b.Length}, parameters {ts.ParamCount} vs {py.ParamCount}");
        }
        double maxAbs = 0, maxDiff = 0;
        for (int i = 0; i < a.Length; i++)
        {
            maxAbs = Math.Max(maxAbs, Math.Abs(a[i]));
            maxDiff = Math.Max(maxDiff, Math.Abs(a[i] - b[i]));
        }
        double outRel = maxDiff / Math.Max(maxAbs, 1e-12);
        double lossRel = Rel(ts.Loss, py.Loss), gradRel = Rel(ts.GradNorm, py.GradNorm);
        double worst = Math.Max(outRel, Math.Max(lossRel, gradRel));
        bool ok = worst <= tol;
        string s = string.Create(CultureInfo.InvariantCulture, $"{(ok ? "ok" : "DIFFERENT")} {worst:0.0e+0} ({ts.ParamCount} params)");
        return new OutputCheck(ok, s);
    }

    private static double Rel(double a, double b) => Math.Abs(a - b) / Math.Max(Math.Max(Math.Abs(a), Math.Abs(b)), 1e-12);

    private static string Format(List<PeerRow> rows, bool gpu)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| case | ThighSeg ms | PyTorch ms | ratio TS/PT | CPU-time ratio | ThighSeg GFLOP/s | PyTorch GFLOP/s | host RSS peak TS / PT (MB) |" + (gpu ? " PT GPU peak (MB) |" : "") + " identical output (max rel. diff) |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|" + (gpu ? "---:|" : "") + "---|");
        foreach (var r in rows)
        {
            double flops = r.Case.Flops();
            string gf(double ms) => flops > 0 ? (flops / (ms * 1e6)).ToString("F1", CultureInfo.InvariantCulture) : "";
            sb.Append(CultureInfo.InvariantCulture, $"| {r.Case.Describe()} | {r.ThighSegMs:F2} | {r.PyTorchMs:F2} | **{r.Ratio:F2}** | {r.CpuRatio:F2} | {gf(r.ThighSegMs)} | {gf(r.PyTorchMs)} | {r.ThighSegRssMb:F0} / {r.PyTorchRssMb:F0} |");
            if (gpu)
            {
                sb.Append(CultureInfo.InvariantCulture, $" {(r.PyTorchGpuMb is double g ? g.ToString("F0", CultureInfo.InvariantCulture) : "")} |");
            }
            sb.AppendLine(CultureInfo.InvariantCulture, $" {r.Check.Summary} |");
        }
        var ratios = rows.Select(r => r.Ratio).ToList();
        double geo = Math.Exp(ratios.Average(Math.Log));
        double geoCpu = Math.Exp(rows.Average(r => Math.Log(r.CpuRatio)));
        sb.AppendLine(CultureInfo.InvariantCulture, $"\nGeometric mean ratio ThighSeg/PyTorch: wall time {geo:F2}, CPU time {geoCpu:F2} (below 1: ThighSeg faster). Cases where ThighSeg is slower (wall): {rows.Count(r => r.Ratio > 1)} of {rows.Count}.");
        sb.AppendLine("Times: best over rounds of the median block mean per step; CPU time = process CPU time (all threads) per step, less sensitive to other processes' load than wall time.");
        return sb.ToString();
    }

    private static string Csv(List<PeerRow> rows)
    {
        var sb = new StringBuilder("case,description,thighseg_ms,pytorch_ms,ratio,thighseg_cpu_ms,pytorch_cpu_ms,cpu_ratio,gflop,thighseg_rss_mb,pytorch_rss_mb,identical,check\n");
        foreach (var r in rows)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"{r.Case.Name},\"{r.Case.Describe()}\",{r.ThighSegMs:F3},{r.PyTorchMs:F3},{r.Ratio:F4},{r.ThighSegCpuMs:F3},{r.PyTorchCpuMs:F3},{r.CpuRatio:F4},{r.Case.Flops() / 1e9:F3},{r.ThighSegRssMb:F0},{r.PyTorchRssMb:F0},{r.Check.Passed},\"{r.Check.Summary}\"");
        }
        return sb.ToString();
    }

    internal static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[(s.Length / 2) - 1] + s[s.Length / 2]);
    }

    /// <summary>Resets this process's peak RSS (Linux <c>/proc/self/clear_refs</c> "5"); no-op elsewhere.</summary>
    internal static void ResetPeakRss()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not Linux or not permitted: the peak then covers the whole process lifetime.
        }
    }

    /// <summary>Peak RSS (VmHWM) in MB, else the current working set.</summary>
    internal static double PeakRssMb()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                {
                    return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return Environment.WorkingSet / 1048576.0;
    }

    internal static double CurrentRssMb()
    {
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
                }
            }
        }
        catch (IOException)
        {
        }
        return Environment.WorkingSet / 1048576.0;
    }

    /// <summary>The 1-minute load average (Linux), for recording with every figure.</summary>
    internal static string Load()
    {
        try
        {
            return "load avg " + string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));
        }
        catch (IOException)
        {
            return "load avg unknown";
        }
    }

    internal static string CpuModel()
    {
        try
        {
            string? name = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            return $"{name?.Split(':', 2)[1].Trim() ?? "unknown CPU"} x{Environment.ProcessorCount}";
        }
        catch (IOException)
        {
            return "unknown CPU";
        }
    }

    internal sealed record OutputCheck(bool Passed, string Summary);

    private sealed record PeerRow(PeerCase Case, double ThighSegMs, double PyTorchMs, double ThighSegCpuMs, double PyTorchCpuMs, double ThighSegRssMb, double PyTorchRssMb, double? PyTorchGpuMb, OutputCheck Check)
    {
        public double Ratio => ThighSegMs / PyTorchMs;

        public double CpuRatio => ThighSegCpuMs / PyTorchCpuMs;
    }
}

/// <summary>Command-line options of the <c>peer</c> mode.</summary>
internal sealed record PeerArgs(ComputeDevice Device, int? Threads, string Python, string Script, string Out, int Rounds, string[]? Cases, bool Quick, PeerVariant Variant)
{
    public static PeerArgs Parse(string[] args)
    {
        ComputeDevice device = ComputeDevice.Cpu;
        int? threads = null;
        string python = "/usr/bin/python3";
        string? script = null;
        string outDir = Path.Combine("BenchmarkDotNet.Artifacts", "peer");
        int rounds = 2;
        string[]? cases = null;
        bool quick = false, cl = false, tf32 = false, bench = false, bf16 = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--device": device = TorchBackend.Parse(Next()); break;
                case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--python": python = Next(); break;
                case "--script": script = Next(); break;
                case "--out": outDir = Next(); break;
                case "--rounds": rounds = Math.Max(1, int.Parse(Next(), CultureInfo.InvariantCulture)); break;
                case "--cases": cases = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--quick": quick = true; break;
                case "--channels-last": cl = true; break;
                case "--tf32": tf32 = true; break;
                case "--cudnn-benchmark": bench = true; break;
                case "--bf16": bf16 = true; break;
                case "--best": cl = bench = bf16 = true; break;
                default: throw new ArgumentException($"Unknown peer option '{args[i]}'.");
            }
        }
        script ??= FindScript();
        return new PeerArgs(device, threads, python, script, outDir, rounds, cases, quick, new PeerVariant(cl, tf32, bench, bf16));
    }

    private static string FindScript()
    {
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "benchmarks", "peer", "unet_peer.py");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new FileNotFoundException("benchmarks/peer/unet_peer.py not found; pass --script PATH.");
    }
}
