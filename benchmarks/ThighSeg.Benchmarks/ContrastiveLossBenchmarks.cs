using BenchmarkDotNet.Attributes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Torch;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Losses;
using static TorchSharp.torch;

namespace ThighSeg.Benchmarks;

/// <summary>
/// Forward + backward of the contrastive losses (PCL, GCL, SimCLR) for M embeddings of dimension 128 (M = 2 views x
/// batch), masks built on the device. One host read of the loss per invocation closes the measurement. Precision bf16
/// computes the loss under bf16 autocast (its similarity matrix multiplication in bf16): ThighSeg's training keeps the
/// loss in fp32, so this case measures what that choice costs. Channels-last does not apply (2-D tensors).
/// </summary>
[MemoryDiagnoser]
public class ContrastiveLossBenchmarks
{
    private Tensor? _z;
    private Tensor? _positions;
    private Tensor? _partitions;
    private Device? _device;

    /// <summary>Devices: CPU, plus CUDA when available.</summary>
    public static IEnumerable<ComputeDevice> DeviceValues => BenchmarkHost.Devices();

    [ParamsSource(nameof(DeviceValues))]
    public ComputeDevice Device { get; set; }

    /// <summary>Number of embeddings (2 views x slices).</summary>
    [ParamsSource(nameof(EmbeddingValues))]
    public int Embeddings { get; set; }

    public static IEnumerable<int> EmbeddingValues() => BenchmarkHost.Cases([64, 256, 1024], [64]);

    [Params(ContrastiveMethod.Pcl, ContrastiveMethod.Gcl, ContrastiveMethod.SimClr)]
    public ContrastiveMethod Method { get; set; }

    public const int Dim = 128;

    /// <summary>Precision the loss is computed in.</summary>
    [ParamsSource(nameof(PrecisionValues))]
    public Precision Precision { get; set; }

    public static IEnumerable<Precision> PrecisionValues() => BenchmarkHost.PrecisionValues();

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkHost.ConfigureThreads();
        _device = TorchBackend.Resolve(Device);
        using var gen = new Generator(1);
        _z = randn(Embeddings, Dim, generator: gen).to(_device).requires_grad_();
        var p = Enumerable.Range(0, Embeddings / 2).Select(i => (float)((i * 37 % 100) + 1) / 100).ToArray();
        _positions = tensor(p).repeat(2).to(_device);
        _partitions = tensor(p.Select(v => ContrastiveLoss.PartitionOf(v, 4)).ToArray()).repeat(2).to(_device);
    }

    [Benchmark(Description = "contrastive loss forward+backward")]
    public float ForwardBackward()
    {
        using var scope = NewDisposeScope();
        _z!.grad?.zero_();
        Tensor loss;
        using (MixedPrecision.Autocast(Precision, _device!))
        {
            loss = Method switch
            {
                ContrastiveMethod.Pcl => ContrastiveLoss.Positional(_z, _positions!, 0.1, 0.1, 0.07),
                ContrastiveMethod.Gcl => ContrastiveLoss.Partition(_z, _partitions!, 0.1, 0.07),
                _ => ContrastiveLoss.SimClr(_z, 0.1, 0.07),
            };
        }
        loss = MixedPrecision.ToFloat32(loss);
        loss.backward();
        return loss.item<float>();
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _z?.Dispose();
        _positions?.Dispose();
        _partitions?.Dispose();
    }
}
