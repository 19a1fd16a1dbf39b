using System.Diagnostics;
using System.Globalization;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch;
using ThighSeg.Torch.Augmentation;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using ThighSeg.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Benchmarks.Peer;

/// <summary>
/// Flat-memory check: <c>memory-flat [--steps 1000] [--device cpu|cuda]</c> runs that many fine-tuning steps (augmentation
/// on the device, CE + Dice, Adam) and then as many pretraining steps (two views, PCL, SGD) of a tiny U-Net (F = 4,
/// 32x32, batch 4), sampling host RSS and TorchSharp's live tensor count every 100 steps. Fails (exit code 1) when
/// the live tensor count grows or RSS grows by more than 10 % between the first and the last sample of a phase.
/// </summary>
public static class MemoryRun
{
    public static int Run(string[] args, TextWriter output)
    {
        int steps = 1000;
        ComputeDevice requested = ComputeDevice.Cpu;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--steps" && i + 1 < args.Length)
            {
                steps = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--device" && i + 1 < args.Length)
            {
                requested = TorchBackend.Parse(args[++i]);
            }
        }
        Device device = TorchBackend.Resolve(requested);
        TorchPerformance.ConfigureCpuThreads();
        output.WriteLine($"// {TorchBackend.Describe(requested)}; {PeerHarness.CpuModel()}; {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; {PeerHarness.Load()}");
        output.WriteLine("| phase | step | host RSS (MB) | live tensors | ms/step (last 100) |");
        output.WriteLine("|---|---:|---:|---:|---:|");
        bool ok = true;
        var options = new UNetOptions(4, 4);
        SliceStack stack = StepTimes.Stack(32, 16, 3);
        var slices = Enumerable.Range(0, 16).Select(k => new PositionalSlice(stack, k)).ToArray();
        var rng = new Random(5);
        var augmenter = new TensorAugmenter(new AugmentationOptions());

        using (var net = new UNet2d(options, 9, 1).to(device))
        using (var adam = new AdamOptimizer([new ParameterGroup(net.parameters().ToList())], 1e-3))
        {
            var lookup = new LabelLookup(LabelMap.Generic(Enumerable.Range(0, 9)));
            ok &= Phase("fine-tune", steps, output, device, i =>
            {
                using var scope = NewDisposeScope();
                var batch = slices.Skip(i % 4 * 4).Take(4).ToArray();
                var loss = new SegmentationObjective(net, adam, augmenter, lookup, 1.0, PerformanceOptions.Default, device).Loss(batch, rng);
                adam.ZeroGrad();
                loss.backward();
                adam.Step();
            });
        }
        var po = new PretrainOptions { Network = options, EmbeddingDim = 32, Schedule = new TrainingSchedule { Epochs = 300, StepsPerEpoch = null, BatchSize = 4, LearningRate = 0.1, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 1, LogInterval = 10 } };
        using (var cnet = new ContrastiveNetwork(options, 32, 1).to(device))
        using (var sgd = new SgdOptimizer([new ParameterGroup(cnet.parameters().ToList())], 0.01, 0.9, 1e-5))
        {
            ok &= Phase("pretrain", steps, output, device, i =>
            {
                using var scope = NewDisposeScope();
                var batch = slices.Skip(i % 4 * 4).Take(4).ToArray();
                var loss = new ContrastiveObjective(cnet, sgd, augmenter, po, device).Loss(batch, rng);
                sgd.ZeroGrad();
                loss.backward();
                sgd.Step();
            });
        }
        output.WriteLine(ok ? "// memory flat: yes" : "// memory flat: NO (see above)");
        return ok ? 0 : 1;
    }

    private static bool Phase(string name, int steps, TextWriter output, Device device, Action<int> step)
    {
        var samples = new List<(double Rss, long Tensors)>();
        var sw = Stopwatch.StartNew();
        for (int i = 1; i <= steps; i++)
        {
            step(i);
            if (i % 100 == 0 || i == steps)
            {
                if (device.type == TorchSharp.DeviceType.CUDA)
                {
                    cuda.synchronize();
                }
                GC.Collect();
                double rss = PeerHarness.CurrentRssMb();
                long live = Tensor.TotalCount;
                samples.Add((rss, live));
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {i} | {rss:F1} | {live} | {sw.Elapsed.TotalMilliseconds / Math.Min(100, i):F2} |"));
                sw.Restart();
            }
        }
        // The first sample still includes allocator warm-up; compare the second with the last.
        var first = samples[Math.Min(1, samples.Count - 1)];
        var last = samples[^1];
        bool flat = last.Tensors <= first.Tensors && last.Rss <= first.Rss * 1.10;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"// {name}: RSS {first.Rss:F1} -> {last.Rss:F1} MB, live tensors {first.Tensors} -> {last.Tensors}: {(flat ? "flat" : "GROWING")}"));
        return flat;
    }
}
