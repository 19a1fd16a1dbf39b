using BenchmarkDotNet.Attributes;
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

/// <summary>A training-step case: device, base filters, slice size, pretraining batch (slices; two views each), fine-tuning batch.</summary>
public sealed record StepCase(ComputeDevice Device, int Filters, int Size, int PretrainBatch, int FineTuneBatch)
{
    public override string ToString() => string.Create(System.Globalization.CultureInfo.InvariantCulture,
        $"{Device.ToString().ToLowerInvariant()} F{Filters} {Size} {PretrainBatch}/{FineTuneBatch}");
}

/// <summary>
/// One full training step, as the trainers run it: host batch to device, augmentation on the device, forward, loss,
/// backward, optimizer step. Pretraining: PCL with two views of each slice, SGD. Fine-tuning: 9 classes,
/// cross-entropy + soft Dice, Adam. CPU: U-Net F = 16, depth 4, 96x96 slices, 32 slices (64 views) for pretraining and
/// 16 for fine-tuning (the demo's scale); CUDA adds F = 48 at 256x256. Each case runs in fp32 and bf16 mixed precision,
/// NCHW and channels-last (<see cref="PerformanceOptions"/>, as the trainers apply it).
/// </summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private Device? _device;
    private ContrastiveNetwork? _cnet;
    private ParameterOptimizer? _sgd;
    private UNet2d? _unet;
    private ParameterOptimizer? _adam;
    private PositionalSlice[] _pretrainBatch = [];
    private PositionalSlice[] _fineTuneBatch = [];
    private LabelLookup? _lookup;
    private PretrainOptions _pretrain = new() { Network = new UNetOptions(16, 4), EmbeddingDim = 128, Schedule = PretrainOptions.DefaultSchedule with { BatchSize = 16 } };
    private readonly TensorAugmenter _augmenter = new(new AugmentationOptions());
    private readonly Random _rng = new(1);

    /// <summary>CPU: the demo scale; CUDA (when available): also the paper's F = 48 at 256 px; smoke: a tiny case.</summary>
    public static IEnumerable<StepCase> CaseValues() => BenchmarkHost.Cases(Full().Where(c => BenchmarkHost.Wants(c.Device)), [new StepCase(ComputeDevice.Cpu, 4, 32, 4, 4)]);

    private static IEnumerable<StepCase> Full()
    {
        yield return new StepCase(ComputeDevice.Cpu, 16, 96, 32, 16);
        if (BenchmarkHost.Wants(ComputeDevice.Cuda))
        {
            yield return new StepCase(ComputeDevice.Cuda, 16, 96, 32, 16);
            yield return new StepCase(ComputeDevice.Cuda, 48, 256, 32, 10);
        }
    }

    [ParamsSource(nameof(CaseValues))]
    public StepCase Case { get; set; } = new(ComputeDevice.Cpu, 4, 32, 4, 4);

    /// <summary>Precision of the forward passes.</summary>
    [ParamsSource(nameof(PrecisionValues))]
    public Precision Precision { get; set; }

    /// <summary>Channels-last (NHWC) inputs, activations and weights.</summary>
    [ParamsSource(nameof(ChannelsLastValues))]
    public bool ChannelsLast { get; set; }

    public static IEnumerable<Precision> PrecisionValues() => BenchmarkHost.PrecisionValues();

    public static IEnumerable<bool> ChannelsLastValues() => BenchmarkHost.ChannelsLastValues();

    private PerformanceOptions Performance => new() { Precision = Precision, ChannelsLast = ChannelsLast, CudnnBenchmark = Case.Device == ComputeDevice.Cuda };

    private PerformanceScope? _scope;

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkHost.ConfigureThreads();
        _device = TorchBackend.Resolve(Case.Device);
        _scope = PerformanceScope.Enter(Performance, _device);
        _pretrain = new PretrainOptions { Network = new UNetOptions(Case.Filters, 4), EmbeddingDim = 128, Schedule = new TrainingSchedule { Epochs = 300, StepsPerEpoch = null, BatchSize = Case.PretrainBatch, LearningRate = 0.1, MinLearningRate = 0, WeightDecay = 1e-5, Seed = 0, LogInterval = 10 }, Performance = Performance };
        _cnet = new ContrastiveNetwork(_pretrain.Network, _pretrain.EmbeddingDim, 1).to(_device);
        _unet = new UNet2d(_pretrain.Network, 9, 1).to(_device);
        if (ChannelsLast)
        {
            TorchPerformance.ModuleToChannelsLast(_cnet);
            TorchPerformance.ModuleToChannelsLast(_unet);
        }
        _sgd = new SgdOptimizer([new ParameterGroup(_cnet.parameters().ToList())], 0.01, 0.9, 1e-5);
        _adam = new AdamOptimizer([new ParameterGroup(_unet.parameters().ToList())], 1e-3);
        int depth = Math.Max(Case.PretrainBatch, Case.FineTuneBatch);
        SliceStack stack = StepTimes.Stack(Case.Size, depth, 1);
        _pretrainBatch = Enumerable.Range(0, Case.PretrainBatch).Select(k => new PositionalSlice(stack, k)).ToArray();
        _fineTuneBatch = Enumerable.Range(0, Case.FineTuneBatch).Select(k => new PositionalSlice(stack, k)).ToArray();
        _lookup = new LabelLookup(LabelMap.Generic(Enumerable.Range(0, 9)));
    }

    [Benchmark(Description = "pretrain step (PCL, 2 views, SGD)")]
    public void PretrainStepCase()
    {
        using var scope = NewDisposeScope();
        var loss = new ContrastiveObjective(_cnet!, _sgd!, _augmenter, _pretrain, _device!).Loss(_pretrainBatch, _rng);
        _sgd!.ZeroGrad();
        loss.backward();
        _sgd.Step();
        Sync();
    }

    [Benchmark(Description = "fine-tune step (CE+Dice, Adam)")]
    public void FineTuneStepCase()
    {
        using var scope = NewDisposeScope();
        var loss = new SegmentationObjective(_unet!, _adam!, _augmenter, _lookup!, 1.0, Performance, _device!).Loss(_fineTuneBatch, _rng);
        _adam!.ZeroGrad();
        loss.backward();
        _adam.Step();
        Sync();
    }

    private void Sync()
    {
        if (_device!.type == DeviceType.CUDA)
        {
            cuda.synchronize();
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope?.Dispose();
        _sgd?.Dispose();
        _adam?.Dispose();
        _cnet?.Dispose();
        _unet?.Dispose();
    }
}
