using System.Globalization;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using ThighSeg.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Benchmarks.Peer;

/// <summary>
/// The precision and layout checks of ThighSeg.Torch.Tests (AutocastTests, ChannelsLastTests, PrecisionTrainingTests),
/// runnable on a machine without the .NET SDK (the GPU script runs them on CUDA): <c>device-checks [--device cuda]</c>.
/// Prints one <c>PASS</c>/<c>FAIL</c> line per check and a markdown table row; exit code 0 when all pass.
/// </summary>
public static class DeviceChecks
{
    /// <summary>Runs every check on the device named by <c>--device</c> (default cuda when available, else cpu).</summary>
    public static int Run(string[] args, TextWriter output)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        var requested = args.Length >= 2 && args[0] == "--device" ? TorchBackend.Parse(args[1]) : ComputeDevice.Auto;
        Device device = TorchBackend.Resolve(requested);
        output.WriteLine($"// device checks on {device}: {TorchBackend.Describe(requested)}; libtorch interop: {(LibTorchInterop.TryGetCurrent(out var i, out string? why) ? $"{i!.Version} ({i.LibraryPath})" : why)}");
        var checks = new (string Name, Func<Device, string?> Check)[]
        {
            ("bf16 autocast runs convolutions in bf16, fp32 outside", Autocast),
            ("autocast is off again after an exception", AfterException),
            ("cuDNN autotuning is set for a run and restored after it", CudnnBenchmark),
            ("channels-last U-Net matches NCHW", ChannelsLast),
            ("bf16 + channels-last fine-tuning learns, fp32 master weights", Training),
            ("training steps and predictions leave the live-tensor count unchanged", NoLeak),
        };
        int failed = 0;
        foreach (var (name, check) in checks)
        {
            string? problem;
            try
            {
                problem = check(device);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                problem = $"{ex.GetType().Name}: {ex.Message}";
            }
            failed += problem is null ? 0 : 1;
            output.WriteLine(problem is null ? $"PASS {name}" : $"FAIL {name}: {problem}");
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| device checks ({device}) | {checks.Length - failed} of {checks.Length} passed |"));
        return failed == 0 ? 0 : 1;
    }

    private static string? Autocast(Device device)
    {
        using var scope = NewDisposeScope();
        using var conv = nn.Conv2d(2, 4, 3, padding: 1).to(device);
        var x = randn(2, 2, 16, 16, device: device);
        ScalarType inside;
        using (AutocastScope.Enter(device))
        {
            inside = conv.forward(x).dtype;
        }
        ScalarType outside = conv.forward(x).dtype;
        return inside == ScalarType.BFloat16 && outside == ScalarType.Float32 ? null : $"inside {inside}, outside {outside}";
    }

    private static string? AfterException(Device device)
    {
        try
        {
            using var ac = AutocastScope.Enter(device);
            throw new InvalidOperationException("inside");
        }
        catch (InvalidOperationException)
        {
        }
        return AutocastScope.IsEnabled(device) ? "still on" : null;
    }

    private static string? CudnnBenchmark(Device device)
    {
        bool before = TorchPerformance.CudnnBenchmarkEnabled;
        bool during;
        using (PerformanceScope.Enter(new PerformanceOptions { CudnnBenchmark = true }, device))
        {
            during = TorchPerformance.CudnnBenchmarkEnabled;
        }
        bool after = TorchPerformance.CudnnBenchmarkEnabled;
        return during && after == before ? null : $"during {during}, after {after} (before {before})";
    }

    private static string? ChannelsLast(Device device)
    {
        using var scope = NewDisposeScope();
        bool tf32 = device.type == DeviceType.CUDA && TorchPerformance.Tf32Enabled;
        using var a = new UNet2d(new UNetOptions(8, 3), 3, seed: 1).to(device);
        using var b = new UNet2d(new UNetOptions(8, 3), 3, seed: 1).to(device);
        a.eval();
        b.eval();
        TorchPerformance.ModuleToChannelsLast(b);
        var x = randn(2, 1, 64, 64, device: device);
        using var noGrad = no_grad();
        var ya = MixedPrecision.Forward(a, x, PerformanceOptions.Default, device);
        var yb = MixedPrecision.Forward(b, x, new PerformanceOptions { ChannelsLast = true }, device);
        double rel = ya.sub(yb).abs().max().item<float>() / Math.Max(ya.abs().max().item<float>(), 1e-12);
        return TorchPerformance.IsChannelsLast(yb) && rel < (tf32 ? 1e-2 : 1e-4) ? null : string.Create(CultureInfo.InvariantCulture, $"NHWC output {TorchPerformance.IsChannelsLast(yb)}, max rel diff {rel:G3}");
    }

    private static SliceStack Stack(int seed) => StepTimes.Stack(32, 8, seed);

    private static string? Training(Device device)
    {
        var options = new FineTuneOptions
        {
            Network = new UNetOptions(4, 3),
            ValidationFraction = 0,
            Augmentation = AugmentationOptions.None,
            Performance = new PerformanceOptions { Precision = Precision.Bf16, ChannelsLast = true, CudnnBenchmark = device.type == DeviceType.CUDA },
            Schedule = new TrainingSchedule { Epochs = 8, StepsPerEpoch = null, BatchSize = 8, LearningRate = 1e-2, MinLearningRate = 1e-3, Seed = 1, LogInterval = 1000 },
        };
        var result = new UNetSegmenter(options, device.type == DeviceType.CUDA ? ComputeDevice.Cuda : ComputeDevice.Cpu).FineTune([Stack(1), Stack(2)]);
        using var model = (UNetSegmentationModel)result.Model;
        var losses = result.LossHistory;
        bool fp32 = model.Net.parameters().All(p => p.dtype == ScalarType.Float32);
        bool learns = losses.All(double.IsFinite) && losses[^1] < 0.9 * losses[0];
        return learns && fp32 && !AutocastScope.IsEnabled(device) ? null
            : string.Create(CultureInfo.InvariantCulture, $"losses {string.Join(" ", losses.Select(l => l.ToString("F3", CultureInfo.InvariantCulture)))}, fp32 weights {fp32}");
    }

    private static string? NoLeak(Device device)
    {
        var options = new FineTuneOptions
        {
            Network = new UNetOptions(4, 3),
            ValidationFraction = 0,
            Performance = new PerformanceOptions { Precision = Precision.Bf16, ChannelsLast = true },
            Schedule = new TrainingSchedule { Epochs = 1, StepsPerEpoch = 2, BatchSize = 4, LearningRate = 1e-3, Seed = 0, LogInterval = 1000 },
        };
        var stack = Stack(3);
        using var model = new UNetSegmenter(options, device.type == DeviceType.CUDA ? ComputeDevice.Cuda : ComputeDevice.Cpu).FineTune([stack]).Model;
        model.Predict(stack);
        long before = Live();
        model.Predict(stack, withProbabilities: true, flipTta: true);
        model.Predict(stack);
        long after = Live();
        return after == before ? null : $"{before} live tensors before, {after} after";
    }

    private static long Live()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return Tensor.TotalCount;
    }
}
