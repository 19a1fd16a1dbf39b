using BenchmarkDotNet.Attributes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Torch;
using ThighSeg.Torch.Interop;
using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Benchmarks;

/// <summary>
/// Forward + backward of a U-Net double-conv block (conv3x3 → BatchNorm → LeakyReLU, twice) on a batch of 8,
/// the convolution hot path of both pretraining and fine-tuning; fp32 and bf16 autocast, NCHW and channels-last (the
/// forward pass through <see cref="MixedPrecision.Forward"/>, as training runs it).
/// </summary>
[MemoryDiagnoser]
public class DoubleConvBenchmarks
{
    private nn.Module<Tensor, Tensor>? _block;
    private Tensor? _input;
    private Device? _device;

    /// <summary>Devices: CPU, plus CUDA when available.</summary>
    public static IEnumerable<ComputeDevice> DeviceValues => BenchmarkHost.Devices();

    [ParamsSource(nameof(DeviceValues))]
    public ComputeDevice Device { get; set; }

    /// <summary>Input and output channels (U-Net base filters F and 2F levels).</summary>
    [ParamsSource(nameof(ChannelValues))]
    public int Channels { get; set; }

    public static IEnumerable<int> ChannelValues() => BenchmarkHost.Cases([16, 32], [4]);

    public static IEnumerable<int> SizeValues() => BenchmarkHost.Cases([64, 128, 256], [32]);

    /// <summary>Square input size in pixels.</summary>
    [ParamsSource(nameof(SizeValues))]
    public int Size { get; set; }

    public const int Batch = 8;

    /// <summary>Precision of the forward pass.</summary>
    [ParamsSource(nameof(PrecisionValues))]
    public Precision Precision { get; set; }

    /// <summary>Channels-last (NHWC) input, activations and weights.</summary>
    [ParamsSource(nameof(ChannelsLastValues))]
    public bool ChannelsLast { get; set; }

    public static IEnumerable<Precision> PrecisionValues() => BenchmarkHost.PrecisionValues();

    public static IEnumerable<bool> ChannelsLastValues() => BenchmarkHost.ChannelsLastValues();

    private PerformanceOptions _performance = PerformanceOptions.Default;
    private PerformanceScope? _scope;

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkHost.ConfigureThreads();
        _device = TorchBackend.Resolve(Device);
        _performance = new PerformanceOptions { Precision = Precision, ChannelsLast = ChannelsLast, CudnnBenchmark = Device == ComputeDevice.Cuda };
        _scope = PerformanceScope.Enter(_performance, _device);
        torch.manual_seed(0);
        _block = nn.Sequential(
            nn.Conv2d(Channels, Channels, 3, padding: 1, bias: false),
            nn.BatchNorm2d(Channels),
            nn.LeakyReLU(0.01),
            nn.Conv2d(Channels, Channels, 3, padding: 1, bias: false),
            nn.BatchNorm2d(Channels),
            nn.LeakyReLU(0.01));
        _block.to(_device);
        _input = torch.randn(Batch, Channels, Size, Size, device: _device);
        if (ChannelsLast)
        {
            TorchPerformance.ModuleToChannelsLast(_block);
            using var nchw = _input;
            _input = TorchPerformance.ToChannelsLast(nchw);
        }
    }

    [Benchmark(Description = "double-conv forward+backward")]
    public float ForwardBackward()
    {
        using var scope = torch.NewDisposeScope();
        _block!.zero_grad();
        var output = MixedPrecision.Forward(_block, _input!, _performance, _device!);
        var loss = output.square().mean();
        loss.backward();
        if (_device!.type == DeviceType.CUDA)
        {
            torch.cuda.synchronize();
        }
        return Size; // no host sync on the loss: the backward pass above is what is measured
    }

    [Benchmark(Description = "double-conv forward (inference)")]
    public float Forward()
    {
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var output = MixedPrecision.Forward(_block!, _input!, _performance, _device!);
        if (_device!.type == DeviceType.CUDA)
        {
            torch.cuda.synchronize();
        }
        return output.shape[1];
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _scope?.Dispose();
        _input?.Dispose();
        _block?.Dispose();
    }
}
