using System.Diagnostics;
using System.Globalization;
using ThighSeg.Torch;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Losses;
using static TorchSharp.torch;

namespace ThighSeg.Benchmarks.Peer;

/// <summary>
/// Before/after measurement of the contrastive-loss reordering, interleaved in one process so both forms see the same
/// machine load: <c>loss-ab [--reps N] [--rounds R]</c>. "Before" is <see cref="UnfusedSupCon"/> (the first
/// implementation, kept verbatim here), "after" is <see cref="ContrastiveLoss.SupCon"/>.
/// </summary>
public static class LossAb
{
    /// <summary>The first implementation: an explicit <c>[M, M]</c> log-probability matrix and a float positive mask.</summary>
    public static Tensor UnfusedSupCon(Tensor embeddings, Tensor positives, double temperature, double baseTemperature)
    {
        long m = embeddings.shape[0];
        Tensor z = nn.functional.normalize(embeddings, p: 2, dim: 1);
        Tensor sim = z.matmul(z.t()).div_(temperature);
        Tensor self = eye(m, dtype: ScalarType.Bool, device: embeddings.device);
        Tensor lse = sim.masked_fill(self, double.NegativeInfinity).logsumexp(1, keepdim: true);
        Tensor logProb = sim - lse;
        Tensor pos = positives.logical_and(self.logical_not()).to_type(embeddings.dtype);
        Tensor meanLogProbPos = (pos * logProb).sum(1).div_(pos.sum(1).clamp_min(1.0));
        return meanLogProbPos.mean().mul_(-(temperature / baseTemperature));
    }

    public static int Run(string[] args, TextWriter output)
    {
        int reps = 20, rounds = 5;
        for (int i = 0; i + 1 < args.Length; i += 2)
        {
            if (args[i] == "--reps") { reps = int.Parse(args[i + 1], CultureInfo.InvariantCulture); }
            if (args[i] == "--rounds") { rounds = int.Parse(args[i + 1], CultureInfo.InvariantCulture); }
        }
        TorchBackend.Initialize();
        // One intra-op thread: all work runs on this thread, so process CPU time measures the work itself and is far
        // less sensitive to other processes' load than wall time.
        TorchPerformance.ConfigureCpuThreads(1);
        output.WriteLine($"// {TorchBackend.Describe(ComputeDevice.Cpu)}; {PeerHarness.CpuModel()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {PeerHarness.Load()}");
        output.WriteLine("| M | mask | before CPU ms | after CPU ms | after/before (CPU) | before wall ms | after wall ms | max rel. diff (loss, grad) |");
        output.WriteLine("|---:|---|---:|---:|---:|---:|---:|---:|");
        foreach (int m in new[] { 64, 256, 1024 })
        {
            using var gen = new Generator(11, CPU);
            using var z = randn([m, 128], generator: gen).requires_grad_();
            var p = Enumerable.Range(0, m / 2).Select(i => (float)(((i * 37) % 100) + 1) / 100).ToArray();
            using var pos = tensor(p).repeat(2).reshape(-1, 1);
            using var mask = (pos - pos.t()).abs_().lt(0.1);
            var (l0, g0) = LossAndGrad(z, mask, UnfusedSupCon);
            var (l1, g1) = LossAndGrad(z, mask, ContrastiveLoss.SupCon);
            double diff = Math.Max(Math.Abs(l0 - l1) / Math.Abs(l0), g0.sub(g1).abs().max().item<float>() / g0.abs().max().item<float>());
            g0.Dispose();
            g1.Dispose();
            var before = new List<(double Wall, double Cpu)>();
            var after = new List<(double Wall, double Cpu)>();
            for (int r = 0; r < rounds; r++)
            {
                before.Add(Time(z, mask, UnfusedSupCon, reps));
                after.Add(Time(z, mask, ContrastiveLoss.SupCon, reps));
            }
            double b = PeerHarness.Median(before.Select(x => x.Cpu).ToList()), a = PeerHarness.Median(after.Select(x => x.Cpu).ToList());
            double bw = PeerHarness.Median(before.Select(x => x.Wall).ToList()), aw = PeerHarness.Median(after.Select(x => x.Wall).ToList());
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {m} | PCL | {b:F2} | {a:F2} | **{a / b:F2}** | {bw:F2} | {aw:F2} | {diff:0.0e+0} |"));
        }
        output.WriteLine($"// {PeerHarness.Load()}");
        return 0;
    }

    private static (double Loss, Tensor Grad) LossAndGrad(Tensor z, Tensor mask, Func<Tensor, Tensor, double, double, Tensor> f)
    {
        z.grad?.zero_();
        using var scope = NewDisposeScope();
        var loss = f(z, mask, 0.1, 0.07);
        loss.backward();
        double l = loss.item<float>();
        return (l, z.grad!.clone().MoveToOuterDisposeScope());
    }

    private static (double Wall, double Cpu) Time(Tensor z, Tensor mask, Func<Tensor, Tensor, double, double, Tensor> f, int reps)
    {
        for (int i = 0; i < 2; i++)
        {
            Step(z, mask, f);
        }
        var process = Process.GetCurrentProcess();
        process.Refresh();
        TimeSpan cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < reps; i++)
        {
            Step(z, mask, f);
        }
        double wall = sw.Elapsed.TotalMilliseconds / reps;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu0).TotalMilliseconds / reps);
    }

    private static void Step(Tensor z, Tensor mask, Func<Tensor, Tensor, double, double, Tensor> f)
    {
        using var scope = NewDisposeScope();
        z.grad?.zero_();
        f(z, mask, 0.1, 0.07).backward();
    }
}
