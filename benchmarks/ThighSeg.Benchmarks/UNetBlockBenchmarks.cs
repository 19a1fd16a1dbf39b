using System.Globalization;
using BenchmarkDotNet.Attributes;
using ThighSeg.Core.Abstractions;
using ThighSeg.Torch;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace ThighSeg.Benchmarks;

/// <summary>A U-Net block case: device, base filters F, slice size in pixels, batch, memory layout.</summary>
public sealed record BlockCase(ComputeDevice Device, int Filters, int Size, int Batch, bool ChannelsLast = false)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Device.ToString().ToLowerInvariant()} F{Filters} {Size} b{Batch}{(ChannelsLast ? " NHWC" : "")}");
}

/// <summary>
/// The convolution hot path of the U-Net, forward + backward, with ThighSeg's own blocks (<see cref="ConvBlock"/>):
/// an <b>encoder</b> level at full resolution (ConvBlock F to 2F on <c>[B, F, S, S]</c>, then 2x2 max-pooling) and a
/// <b>decoder</b> level (2x2 transposed convolution 2F to F from <c>[B, 2F, S/2, S/2]</c>, concatenation with the
/// <c>[B, F, S, S]</c> skip, ConvBlock 2F to F). F = 16/32/48 at 128/256/352 px. The CPU grid is trimmed to three cases
/// with small batches (one of them also channels-last); CUDA gets the full 3 x 3 grid with batch 8.
/// </summary>
[MemoryDiagnoser]
public class UNetBlockBenchmarks
{
    private ConvBlock? _encoder;
    private ConvTranspose2d? _up;
    private ConvBlock? _decoder;
    private Tensor? _x;
    private Tensor? _low;
    private Tensor? _skip;
    private Device? _device;

    /// <summary>The cases: CPU trimmed, CUDA full grid (when available), one tiny case in smoke mode.</summary>
    public static IEnumerable<BlockCase> CaseValues() => BenchmarkHost.Cases(Full().Where(c => BenchmarkHost.Wants(c.Device)), [new BlockCase(ComputeDevice.Cpu, 4, 32, 1)]);

    private static IEnumerable<BlockCase> Full()
    {
        yield return new BlockCase(ComputeDevice.Cpu, 16, 128, 4);
        yield return new BlockCase(ComputeDevice.Cpu, 16, 128, 4, ChannelsLast: true);
        yield return new BlockCase(ComputeDevice.Cpu, 32, 256, 2);
        yield return new BlockCase(ComputeDevice.Cpu, 48, 352, 1);
        if (BenchmarkHost.Wants(ComputeDevice.Cuda))
        {
            foreach (int f in new[] { 16, 32, 48 })
            {
                foreach (int s in new[] { 128, 256, 352 })
                {
                    yield return new BlockCase(ComputeDevice.Cuda, f, s, 8);
                    if (f == 32 && s == 256)
                    {
                        yield return new BlockCase(ComputeDevice.Cuda, f, s, 8, ChannelsLast: true);
                    }
                }
            }
        }
    }

    [ParamsSource(nameof(CaseValues))]
    public BlockCase Case { get; set; } = new(ComputeDevice.Cpu, 4, 32, 1);

    [GlobalSetup]
    public void Setup()
    {
        BenchmarkHost.ConfigureThreads();
        _device = TorchBackend.Resolve(Case.Device);
        int f = Case.Filters, s = Case.Size, b = Case.Batch;
        _encoder = new ConvBlock("enc", f, 2 * f, NormKind.Batch);
        _up = nn.ConvTranspose2d(2 * f, f, 2, stride: 2);
        _decoder = new ConvBlock("dec", 2 * f, f, NormKind.Batch);
        _encoder.to(_device);
        _up.to(_device);
        _decoder.to(_device);
        using var gen = new Generator(3, CPU);
        _x = randn([b, f, s, s], generator: gen).to(_device).requires_grad_();
        _low = randn([b, 2 * f, s / 2, s / 2], generator: gen).to(_device).requires_grad_();
        _skip = randn([b, f, s, s], generator: gen).to(_device).requires_grad_();
        if (Case.ChannelsLast)
        {
            TorchPerformance.ModuleToChannelsLast(_encoder);
            TorchPerformance.ModuleToChannelsLast(_up);
            TorchPerformance.ModuleToChannelsLast(_decoder);
            _x = Relayout(_x);
            _low = Relayout(_low);
            _skip = Relayout(_skip);
        }
    }

    private static Tensor Relayout(Tensor t)
    {
        using (t)
        {
            using var d = t.detach();
            return TorchPerformance.ToChannelsLast(d).requires_grad_();
        }
    }

    [Benchmark(Description = "encoder level fwd+bwd (ConvBlock F->2F, maxpool)")]
    public long Encoder()
    {
        using var scope = NewDisposeScope();
        _encoder!.zero_grad();
        _x!.grad?.zero_();
        Tensor y = nn.functional.max_pool2d(_encoder.forward(_x), 2, 2);
        y.sum().backward();
        Sync();
        return y.shape[1];
    }

    [Benchmark(Description = "decoder level fwd+bwd (up 2F->F, cat skip, ConvBlock 2F->F)")]
    public long Decoder()
    {
        using var scope = NewDisposeScope();
        _up!.zero_grad();
        _decoder!.zero_grad();
        _low!.grad?.zero_();
        _skip!.grad?.zero_();
        Tensor up = _up.forward(_low);
        Tensor y = _decoder.forward(torch.cat([up, _skip], 1));
        y.sum().backward();
        Sync();
        return y.shape[1];
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
        _x?.Dispose();
        _low?.Dispose();
        _skip?.Dispose();
        _encoder?.Dispose();
        _up?.Dispose();
        _decoder?.Dispose();
    }
}
