using System.Globalization;
using BenchmarkDotNet.Attributes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch;
using ThighSeg.Torch.Artifacts;
using ThighSeg.Torch.Models;
using ThighSeg.Torch.Training;
using TorchSharp;

namespace ThighSeg.Benchmarks;

/// <summary>A whole-stack prediction case: device, network width, slice size, slices in the stack, inference batch size.</summary>
public sealed record PredictionCase(ComputeDevice Device, int Filters, int Size, int Slices, int BatchSize)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Device.ToString().ToLowerInvariant()} F{Filters} {Size} b{BatchSize}");
}

/// <summary>
/// Whole-stack prediction with <see cref="UNetSegmentationModel.Predict"/> (host stack in, label values out: batching,
/// host-to-device copy, forward, softmax, argmax, copy back). Reported per slice (OperationsPerInvoke), so slices per
/// second = 1e9 / Mean(ns). Batch 1 against the default 16 measures batched inference.
/// </summary>
[MemoryDiagnoser]
public class PredictionBenchmarks
{
    private const int Slices = 32;
    private UNetSegmentationModel? _model;
    private SliceStack? _stack;

    public static IEnumerable<PredictionCase> CaseValues() => BenchmarkHost.Cases(Full().Where(c => BenchmarkHost.Wants(c.Device)), [new PredictionCase(ComputeDevice.Cpu, 4, 32, Slices, 16)]);

    private static IEnumerable<PredictionCase> Full()
    {
        yield return new PredictionCase(ComputeDevice.Cpu, 16, 128, Slices, 1);
        yield return new PredictionCase(ComputeDevice.Cpu, 16, 128, Slices, 16);
        if (BenchmarkHost.Wants(ComputeDevice.Cuda))
        {
            yield return new PredictionCase(ComputeDevice.Cuda, 48, 256, Slices, 1);
            yield return new PredictionCase(ComputeDevice.Cuda, 48, 256, Slices, 16);
            yield return new PredictionCase(ComputeDevice.Cuda, 48, 256, Slices, 32);
        }
    }

    [ParamsSource(nameof(CaseValues))]
    public PredictionCase Case { get; set; } = new(ComputeDevice.Cpu, 4, 32, Slices, 16);

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkHost.ConfigureThreads();
        var device = TorchBackend.Resolve(Case.Device);
        var net = new UNet2d(new UNetOptions(Case.Filters, 4), 9, 1);
        net.to(device);
        var provenance = new TrainingProvenance("benchmark", 1, 0, 0, [], null, device.ToString(), "", null);
        _model = new UNetSegmentationModel(net, device, LabelMap.Generic(Enumerable.Range(0, 9)), provenance, null) { BatchSize = Case.BatchSize };
        _stack = StepTimes.Stack(Case.Size, Case.Slices, 4);
    }

    [Benchmark(Description = "predict stack (per slice)", OperationsPerInvoke = Slices)]
    public int PredictStack() => _model!.Predict(_stack!).Labels[0];

    [GlobalCleanup]
    public void Cleanup() => _model?.Dispose();
}
