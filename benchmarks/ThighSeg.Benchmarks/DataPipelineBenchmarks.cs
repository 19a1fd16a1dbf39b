using BenchmarkDotNet.Attributes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Core.Data;
using ThighSeg.Torch.Augmentation;
using ThighSeg.Torch.Data;
using static TorchSharp.torch;

namespace ThighSeg.Benchmarks;

/// <summary>
/// The CPU data pipeline as the trainers run it, without the network: the seeded <see cref="PositionalSliceSampler"/> over 8
/// stacks of 48 slices, <see cref="TensorBridge"/> gathering (images, and labels mapped to class indices for
/// fine-tuning) and <see cref="TensorAugmenter"/> (reference recipe, on the CPU device). Reported per delivered slice
/// (OperationsPerInvoke), so slices per second = 1e9 / Mean(ns). Pretraining delivers two augmented views per slice.
/// </summary>
[MemoryDiagnoser]
public class DataPipelineBenchmarks
{
    private const int Batches = 4;
    private PositionalSliceSampler? _sampler;
    private LabelLookup? _lookup;
    private TensorAugmenter? _augmenter;
    private Random _rng = new(1);
    private int _epoch;

    public static IEnumerable<int> SizeValues() => BenchmarkHost.Cases([96, 256], [32]);

    /// <summary>Slice size in pixels.</summary>
    [ParamsSource(nameof(SizeValues))]
    public int Size { get; set; } = 32;

    /// <summary>Reference augmentation, or none (gathering and copying only).</summary>
    [Params(true, false)]
    public bool Augment { get; set; }

    public const int Batch = 16;

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkHost.ConfigureThreads();
        var stacks = Enumerable.Range(0, 8).Select(i => StepTimes.Stack(Size, 48, 10 + i)).ToList();
        _sampler = PositionalSliceSampler.ForStacks(stacks, seed: 1, requireLabels: false);
        _lookup = new LabelLookup(LabelMap.Generic(Enumerable.Range(0, 9)));
        _augmenter = new TensorAugmenter(Augment ? new AugmentationOptions() : AugmentationOptions.None);
        _rng = new Random(1);
    }

    [Benchmark(Description = "fine-tune batches: images+labels (+aug), per slice", OperationsPerInvoke = Batches * Batch)]
    public long FineTuneBatches()
    {
        long sum = 0;
        foreach (var batch in _sampler!.Batches(_epoch++, Batch, Batches))
        {
            using var scope = NewDisposeScope();
            Tensor images = TensorBridge.Images(batch, CPU);
            Tensor labels = TensorBridge.Labels(batch, _lookup!, CPU);
            var (x, y) = _augmenter!.Apply(images, labels, _rng);
            sum += x.shape[0] + y!.shape[0];
        }
        return sum;
    }

    [Benchmark(Description = "pretrain batches: two views (+aug), per slice", OperationsPerInvoke = Batches * Batch)]
    public long PretrainBatches()
    {
        long sum = 0;
        foreach (var batch in _sampler!.Batches(_epoch++, Batch, Batches))
        {
            using var scope = NewDisposeScope();
            Tensor images = TensorBridge.Images(batch, CPU);
            var (v1, _) = _augmenter!.Apply(images, null, _rng);
            var (v2, _) = _augmenter.Apply(images, null, _rng);
            Tensor views = cat([v1, v2], 0);
            Tensor positions = TensorBridge.Positions(batch, CPU).repeat(2);
            sum += views.shape[0] + positions.shape[0];
        }
        return sum;
    }
}
