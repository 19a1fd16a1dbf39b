using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Interop;
using ThighSeg.Torch.Losses;
using ThighSeg.Torch.Models;
using ThighSeg.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace ThighSeg.Benchmarks.Peer;

/// <summary>Switches applied identically on both sides of the comparison.</summary>
/// <param name="ChannelsLast">Convert conv weights and inputs to channels-last (NHWC) memory layout.</param>
/// <param name="Tf32">Allow TF32 on CUDA.</param>
/// <param name="CudnnBenchmark">cuDNN autotuning on CUDA.</param>
/// <param name="Bf16">bf16 autocast around the network's forward pass (losses and softmax in fp32): PyTorch's
/// <c>torch.autocast(device, torch.bfloat16)</c>, ThighSeg's <see cref="Precision.Bf16"/>.</param>
public sealed record PeerVariant(bool ChannelsLast, bool Tf32, bool CudnnBenchmark, bool Bf16 = false)
{
    /// <summary>PyTorch's best settings for these networks (channels-last + cuDNN autotuning + bf16 autocast), on both sides.</summary>
    public static PeerVariant Best { get; } = new(ChannelsLast: true, Tf32: false, CudnnBenchmark: true, Bf16: true);

    /// <summary>The ThighSeg options of this variant.</summary>
    public PerformanceOptions Performance => new() { Precision = Bf16 ? Precision.Bf16 : Precision.Fp32, ChannelsLast = ChannelsLast, CudnnBenchmark = CudnnBenchmark };

    public override string ToString()
    {
        var parts = new List<string>();
        if (ChannelsLast) { parts.Add("channels-last"); }
        if (Tf32) { parts.Add("tf32"); }
        if (CudnnBenchmark) { parts.Add("cudnn-benchmark"); }
        if (Bf16) { parts.Add("bf16 autocast"); }
        return parts.Count == 0 ? "default (fp32, NCHW)" : string.Join(" + ", parts);
    }
}

/// <summary>What one side computed for the identical-output check (before any optimizer step).</summary>
public sealed record CheckResult(
    [property: System.Text.Json.Serialization.JsonPropertyName("loss")] double Loss,
    [property: System.Text.Json.Serialization.JsonPropertyName("grad_norm")] double GradNorm,
    [property: System.Text.Json.Serialization.JsonPropertyName("param_count")] long ParamCount,
    [property: System.Text.Json.Serialization.JsonPropertyName("output_numel")] long OutputNumel);

/// <summary>
/// The ThighSeg (TorchSharp) side of the peer harness: builds each case with ThighSeg's own modules and losses
/// (<see cref="UNet2d"/>, <see cref="ContrastiveNetwork"/>, <see cref="ContrastiveLoss"/>, <see cref="SegmentationLoss"/>),
/// exports weights and inputs as raw little-endian files for the PyTorch side, computes the check values and times the step.
/// </summary>
internal sealed class DotnetCase : IDisposable
{
    private readonly PeerCase _case;
    private readonly Device _device;
    private readonly PeerVariant _variant;
    private nn.Module? _module;
    private ParameterOptimizer? _optimizer;
    private Tensor? _input;
    private Tensor? _target;
    private Tensor? _positions;
    private Tensor? _partitions;

    public DotnetCase(PeerCase c, Device device, PeerVariant variant)
    {
        _case = c;
        _device = device;
        _variant = variant;
    }

    /// <summary>Creates the model and data (seeded), writes them to <paramref name="dir"/> and returns the check values.</summary>
    public CheckResult Prepare(string dir)
    {
        Directory.CreateDirectory(dir);
        using var gen = new Generator(7, CPU);
        var c = _case;
        if (c.Kind == "loss")
        {
            using var z = randn([c.Embeddings, PeerCase.Dim], generator: gen);
            var p = Enumerable.Range(0, c.Embeddings / 2).Select(i => (float)(((i * 37) % 100) + 1) / 100).ToArray();
            using var pos = tensor(p);
            RawIO.Write(Path.Combine(dir, "input.bin"), z);
            RawIO.Write(Path.Combine(dir, "positions.bin"), pos);
            _input = z.to(_device).requires_grad_();
            _positions = pos.repeat(2).to(_device);
            _partitions = tensor(p.Select(v => ContrastiveLoss.PartitionOf(v, 4)).ToArray()).repeat(2).to(_device);
        }
        else
        {
            var options = new UNetOptions(c.Filters, PeerCase.Depth);
            int images = c.Kind == "pretrain" ? 2 * c.Batch : c.Batch;
            using var x = randn([images, 1, c.Size, c.Size], generator: gen);
            RawIO.Write(Path.Combine(dir, "input.bin"), x);
            if (c.Kind == "pretrain")
            {
                _module = new ContrastiveNetwork(options, PeerCase.Dim, seed: 1);
                var p = Enumerable.Range(0, c.Batch).Select(i => (float)(i + 1) / c.Batch).ToArray();
                using var pos = tensor(p);
                RawIO.Write(Path.Combine(dir, "positions.bin"), pos);
                _positions = pos.repeat(2).to(_device);
            }
            else
            {
                _module = new UNet2d(options, PeerCase.Classes, seed: 1);
                using var y = randint(0, PeerCase.Classes, [c.Batch, c.Size, c.Size], generator: gen, dtype: ScalarType.Int64);
                RawIO.Write(Path.Combine(dir, "target.bin"), y);
                _target = y.to(_device);
            }
            RawIO.WriteStateDict(dir, _module);
            _module.to(_device);
            _input = x.to(_device);
            if (_variant.ChannelsLast)
            {
                TorchPerformance.ModuleToChannelsLast(_module);
                var cl = TorchPerformance.ToChannelsLast(_input);
                _input.Dispose();
                _input = cl;
            }
            if (c.Kind == "infer")
            {
                _module.eval();
            }
            else
            {
                _module.train();
            }
        }
        var check = Check(dir);
        _optimizer = c.Kind switch
        {
            "unet-train" => new AdamOptimizer([new ParameterGroup(_module!.parameters().ToList())], 1e-3),
            "finetune" => new AdamOptimizer([new ParameterGroup(_module!.parameters().ToList())], 1e-3, 1e-5),
            "pretrain" => new SgdOptimizer([new ParameterGroup(_module!.parameters().ToList())], 0.01, 0.9, 1e-5),
            _ => null,
        };
        return check;
    }

    private CheckResult Check(string dir)
    {
        using var scope = NewDisposeScope();
        Tensor output;
        Tensor? loss = null;
        long paramCount = _module?.parameters().Sum(p => p.numel()) ?? 0;
        if (_case.Kind == "infer")
        {
            using var noGrad = no_grad();
            output = Infer();
        }
        else
        {
            (output, loss) = Forward();
            loss.backward();
        }
        double gradNorm = 0;
        var grads = _case.Kind == "loss" ? [_input!.grad] : _module!.parameters().Select(p => p.grad);
        foreach (var g in grads)
        {
            if (g is not null)
            {
                gradNorm += g.to_type(ScalarType.Float64).square().sum().item<double>();
            }
        }
        if (_case.Kind == "loss")
        {
            _input!.grad?.zero_();
        }
        else
        {
            _module!.zero_grad();
        }
        RawIO.Write(Path.Combine(dir, "dotnet_output.bin"), output.detach().contiguous());
        return new CheckResult(loss?.item<float>() ?? 0, Math.Sqrt(gradNorm), paramCount, output.numel());
    }

    /// <summary>Forward pass and loss of the training and loss cases (call inside a scope).</summary>
    private (Tensor Output, Tensor Loss) Forward()
    {
        var c = _case;
        switch (c.Kind)
        {
            case "loss":
            {
                Tensor l = c.Method switch
                {
                    "pcl" => ContrastiveLoss.Positional(_input!, _positions!, PeerCase.Threshold, PeerCase.Temperature, PeerCase.BaseTemperature),
                    "gcl" => ContrastiveLoss.Partition(_input!, _partitions!, PeerCase.Temperature, PeerCase.BaseTemperature),
                    _ => ContrastiveLoss.SimClr(_input!, PeerCase.Temperature, PeerCase.BaseTemperature),
                };
                return (l.reshape(1), l);
            }
            case "pretrain":
            {
                var net = (ContrastiveNetwork)_module!;
                Tensor z = MixedPrecision.Forward(net, _input!, _variant.Performance, _device);
                return (z, ContrastiveLoss.Positional(z, _positions!, PeerCase.Threshold, PeerCase.Temperature, PeerCase.BaseTemperature));
            }
            case "finetune":
            {
                Tensor logits = MixedPrecision.Forward((UNet2d)_module!, _input!, _variant.Performance, _device);
                return (logits, SegmentationLoss.Compute(logits, _target!, 1.0));
            }
            default:
            {
                Tensor logits = MixedPrecision.Forward((UNet2d)_module!, _input!, _variant.Performance, _device);
                return (logits, nn.functional.cross_entropy(logits, _target!));
            }
        }
    }

    private Tensor Infer() => nn.functional.softmax(MixedPrecision.Forward((UNet2d)_module!, _input!, _variant.Performance, _device), 1);

    /// <summary>One timed step (no host read of any value).</summary>
    public void Step()
    {
        using var scope = NewDisposeScope();
        if (_case.Kind == "infer")
        {
            using var noGrad = no_grad();
            _ = Infer().argmax(1);
            return;
        }
        if (_case.Kind == "loss")
        {
            _input!.grad?.zero_();
            var (_, l) = Forward();
            l.backward();
            return;
        }
        _optimizer!.ZeroGrad();
        var (_, loss) = Forward();
        loss.backward();
        _optimizer.Step();
    }

    /// <summary>
    /// Warm-up, then blocks of reps steps (synchronised at block ends); per block the mean wall ms per step and the
    /// mean process CPU ms per step (all threads).
    /// </summary>
    public List<(double Wall, double Cpu)> Time()
    {
        for (int i = 0; i < _case.Warmup; i++)
        {
            Step();
        }
        Sync();
        var blocks = new List<(double, double)>();
        var process = Process.GetCurrentProcess();
        for (int b = 0; b < _case.Blocks; b++)
        {
            process.Refresh();
            TimeSpan cpu0 = process.TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < _case.Reps; i++)
            {
                Step();
            }
            Sync();
            double wall = sw.Elapsed.TotalMilliseconds / _case.Reps;
            process.Refresh();
            blocks.Add((wall, (process.TotalProcessorTime - cpu0).TotalMilliseconds / _case.Reps));
        }
        return blocks;
    }

    private void Sync()
    {
        if (_device.type == DeviceType.CUDA)
        {
            cuda.synchronize();
        }
    }

    public void Dispose()
    {
        _optimizer?.Dispose();
        _module?.Dispose();
        _input?.Dispose();
        _target?.Dispose();
        _positions?.Dispose();
        _partitions?.Dispose();
    }
}

/// <summary>Raw little-endian tensor files and the state-dict manifest shared with the Python side.</summary>
internal static class RawIO
{
    public static void Write(string path, Tensor t)
    {
        using var cpu = t.detach().cpu().contiguous();
        byte[] bytes = cpu.dtype switch
        {
            ScalarType.Float32 => MemoryMarshal.AsBytes<float>(cpu.data<float>().ToArray()).ToArray(),
            ScalarType.Int64 => MemoryMarshal.AsBytes<long>(cpu.data<long>().ToArray()).ToArray(),
            _ => throw new NotSupportedException($"dtype {cpu.dtype}"),
        };
        File.WriteAllBytes(path, bytes);
    }

    public static float[] ReadFloats(string path) => MemoryMarshal.Cast<byte, float>(File.ReadAllBytes(path)).ToArray();

    /// <summary>Writes every parameter and buffer as <c>w_NNN.bin</c> plus <c>weights.json</c> (name, shape, dtype, file).</summary>
    public static void WriteStateDict(string dir, nn.Module module)
    {
        var entries = new List<Dictionary<string, object>>();
        int i = 0;
        foreach (var (name, t) in module.state_dict())
        {
            string file = $"w_{i++:D3}.bin";
            Write(Path.Combine(dir, file), t);
            entries.Add(new Dictionary<string, object>
            {
                ["name"] = name,
                ["shape"] = t.shape,
                ["dtype"] = t.dtype == ScalarType.Int64 ? "int64" : "float32",
                ["file"] = file,
            });
        }
        File.WriteAllText(Path.Combine(dir, "weights.json"), JsonSerializer.Serialize(entries));
    }
}
