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

namespace ThighSeg.Benchmarks;

/// <summary>
/// Wall-clock time of one pretraining step and one fine-tuning step (augmentation, forward, backward, optimizer) for a
/// grid of network widths, slice sizes and batch sizes: the numbers that size the CPU demo budget.
/// Run: <c>dotnet run -c Release --project benchmarks/ThighSeg.Benchmarks -- steptimes [cpu|cuda] [steps]</c>.
/// </summary>
public static class StepTimes
{
    public static void Run(TextWriter output, ComputeDevice requested, int steps)
    {
        Device device = TorchBackend.Resolve(requested);
        output.WriteLine($"// {TorchBackend.Describe(requested)}");
        output.WriteLine("| step | F | size | batch (slices) | wall ms/step | CPU ms/step (all threads) | steps in 10 min (wall) |");
        output.WriteLine("|---|---|---|---|---|---|---|");
        foreach (var (f, size, batch) in new[] { (8, 64, 16), (8, 64, 32), (16, 64, 32), (8, 96, 16), (8, 96, 32), (16, 96, 16), (16, 96, 32) })
        {
            var (ms, cpu) = Pretrain(device, f, size, batch, steps);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| pretrain (PCL, 2 views) | {f} | {size} | {batch} | {ms:F0} | {cpu:F0} | {600_000 / ms:F0} |"));
        }
        foreach (var (f, size, batch) in new[] { (8, 64, 10), (16, 64, 10), (8, 96, 10), (16, 96, 10), (16, 96, 16) })
        {
            var (ms, cpu) = FineTune(device, f, size, batch, steps);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| fine-tune (CE+Dice, Adam) | {f} | {size} | {batch} | {ms:F0} | {cpu:F0} | {600_000 / ms:F0} |"));
        }
    }

    /// <summary>Runs <paramref name="steps"/> fine-tuning steps (F = 8, 64x64, batch 10) and prints the process RSS and live tensor count every 100 steps.</summary>
    public static void Memory(TextWriter output, int steps)
    {
        Device device = TorchBackend.Resolve(ComputeDevice.Cpu);
        using var net = new UNet2d(new UNetOptions(8, 4), 9, 1).to(device);
        using var opt = new AdamOptimizer([new ParameterGroup(net.parameters().ToList())], 1e-3);
        var aug = new TensorAugmenter(new AugmentationOptions());
        var stack = Stack(64, 10, 2);
        var lookup = new LabelLookup(LabelMap.Generic(Enumerable.Range(0, 9)));
        var slices = Enumerable.Range(0, 10).Select(k => new PositionalSlice(stack, k)).ToArray();
        var rng = new Random(1);
        var process = Process.GetCurrentProcess();
        output.WriteLine("| step | RSS MiB | live tensors |");
        output.WriteLine("|---|---|---|");
        for (int i = 1; i <= steps; i++)
        {
            using (var scope = NewDisposeScope())
            {
                var loss = new SegmentationObjective(net, opt, aug, lookup, 1.0, PerformanceOptions.Default, device).Loss(slices, rng);
                opt.ZeroGrad();
                loss.backward();
                opt.Step();
            }
            if (i == 1 || i % 100 == 0)
            {
                process.Refresh();
                output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {i} | {process.WorkingSet64 / (1024.0 * 1024):F1} | {Tensor.TotalCount} |"));
            }
        }
    }

    internal static SliceStack Stack(int size, int depth, int seed)
    {
        var rng = new Random(seed);
        var img = new float[size * size * depth];
        var lab = new int[img.Length];
        for (int i = 0; i < img.Length; i++)
        {
            img[i] = (float)rng.NextDouble();
            lab[i] = (i / 7) % 5 == 0 ? 1 + (i % 8) : 0;
        }
        return new SliceStack($"s{seed}", "left", size, size, depth, img, lab, [.. Enumerable.Range(0, depth).Select(k => 5.0 * k)]);
    }

    public static (double Wall, double Cpu) Pretrain(Device device, int f, int size, int batch, int steps)
    {
        var o = new PretrainOptions { Network = new UNetOptions(f, 4), EmbeddingDim = 128, Schedule = new TrainingSchedule { Epochs = 300, StepsPerEpoch = null, BatchSize = batch, LearningRate = 0.1, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 1, LogInterval = 10 } };
        using var net = new ContrastiveNetwork(o.Network, o.EmbeddingDim, 1).to(device);
        using var opt = new SgdOptimizer([new ParameterGroup(net.parameters().ToList())], 0.01, 0.9, 1e-5);
        var aug = new TensorAugmenter(o.Augmentation);
        var stack = Stack(size, batch, 1);
        var slices = Enumerable.Range(0, batch).Select(k => new PositionalSlice(stack, k)).ToArray();
        var rng = new Random(1);
        return Time(steps, () =>
        {
            using var scope = NewDisposeScope();
            var loss = new ContrastiveObjective(net, opt, aug, o, device).Loss(slices, rng);
            opt.ZeroGrad();
            loss.backward();
            opt.Step();
        }, device);
    }

    public static (double Wall, double Cpu) FineTune(Device device, int f, int size, int batch, int steps)
    {
        using var net = new UNet2d(new UNetOptions(f, 4), 9, 1).to(device);
        using var opt = new AdamOptimizer([new ParameterGroup(net.parameters().ToList())], 1e-3);
        var aug = new TensorAugmenter(new AugmentationOptions());
        var stack = Stack(size, batch, 2);
        var lookup = new LabelLookup(LabelMap.Generic(Enumerable.Range(0, 9)));
        var slices = Enumerable.Range(0, batch).Select(k => new PositionalSlice(stack, k)).ToArray();
        var rng = new Random(1);
        return Time(steps, () =>
        {
            using var scope = NewDisposeScope();
            var loss = new SegmentationObjective(net, opt, aug, lookup, 1.0, PerformanceOptions.Default, device).Loss(slices, rng);
            opt.ZeroGrad();
            loss.backward();
            opt.Step();
        }, device);
    }

    private static (double Wall, double Cpu) Time(int steps, Action step, Device device)
    {
        step();
        step();
        Sync(device);
        var process = Process.GetCurrentProcess();
        process.Refresh();
        TimeSpan cpu0 = process.TotalProcessorTime;
        var sw = Stopwatch.StartNew();
        for (int i = 0; i < steps; i++)
        {
            step();
        }
        Sync(device);
        double wall = sw.Elapsed.TotalMilliseconds / steps;
        process.Refresh();
        return (wall, (process.TotalProcessorTime - cpu0).TotalMilliseconds / steps);
    }

    private static void Sync(Device device)
    {
        if (device.type == DeviceType.CUDA)
        {
            cuda.synchronize();
        }
    }
}
