using BenchmarkDotNet.Attributes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch;
using ThighSeg.Torch.Augmentation;
using ThighSeg.Torch.Data;
using ThighSeg.Torch.Models;
using ThighSeg.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Benchmarks;

/// <summary>
/// One full training step, as the trainers run it: host batch to device, augmentation on the device, forward, loss,
/// backward, optimizer step. Pretraining: PCL with two views of 16 slices, SGD. Fine-tuning: 10 slices, 9 classes,
/// cross-entropy + soft Dice, Adam. U-Net F = 16, depth 4, 96x96 slices (the demo's scale).
/// </summary>
[MemoryDiagnoser]
public class TrainingStepBenchmarks
{
    private Device? _device;
    private ContrastiveNetwork? _cnet;
    private optim.Optimizer? _sgd;
    private UNet2d? _unet;
    private optim.Optimizer? _adam;
    private PositionalSlice[] _pretrainBatch = [];
    private PositionalSlice[] _fineTuneBatch = [];
    private LabelLookup? _lookup;
    private readonly PretrainOptions _pretrain = new(network: new UNetOptions(16, 4), embeddingDim: 128, batchSize: 16);
    private readonly TensorAugmenter _augmenter = new(new AugmentationOptions());
    private readonly Random _rng = new(1);

    /// <summary>Devices: CPU, plus CUDA when available.</summary>
    public static IEnumerable<ComputeDevice> DeviceValues => BenchmarkHost.Devices();

    [ParamsSource(nameof(DeviceValues))]
    public ComputeDevice Device { get; set; }

    public const int Size = 96;

    [GlobalSetup]
    public void Setup()
    {
        _device = TorchBackend.Resolve(Device);
        _cnet = new ContrastiveNetwork(_pretrain.Network, _pretrain.EmbeddingDim, 1).to(_device);
        _sgd = optim.SGD(_cnet.parameters(), 0.01, momentum: 0.9, weight_decay: 1e-5);
        _unet = new UNet2d(_pretrain.Network, 9, 1).to(_device);
        _adam = optim.Adam(_unet.parameters(), 1e-3);
        SliceStack stack = StepTimes.Stack(Size, 16, 1);
        _pretrainBatch = Enumerable.Range(0, 16).Select(k => new PositionalSlice(stack, k)).ToArray();
        _fineTuneBatch = _pretrainBatch.Take(10).ToArray();
        _lookup = new LabelLookup(LabelMap.Generic(Enumerable.Range(0, 9)));
    }

    [Benchmark(Description = "pretrain step (PCL, 2x16 views)")]
    public void PretrainStepCase()
    {
        using var scope = NewDisposeScope();
        var loss = PretrainStep.Loss(_cnet!, _augmenter, _pretrainBatch, _pretrain, _device!, _rng);
        _sgd!.zero_grad();
        loss.backward();
        _sgd.step();
        Sync();
    }

    [Benchmark(Description = "fine-tune step (10 slices, CE+Dice)")]
    public void FineTuneStepCase()
    {
        using var scope = NewDisposeScope();
        var loss = FineTuneStep.Loss(_unet!, _augmenter, _fineTuneBatch, _lookup!, 1.0, _device!, _rng);
        _adam!.zero_grad();
        loss.backward();
        _adam.step();
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
        _sgd?.Dispose();
        _adam?.Dispose();
        _cnet?.Dispose();
        _unet?.Dispose();
    }
}
