using System.CommandLine;
using ThighSeg.Core.Abstractions;
using ThighSeg.Torch.Interop;

namespace ThighSeg.Cli.Options;

/// <summary>
/// <c>--precision fp32|bf16</c>, <c>--channels-last [true|false]</c> and <c>--cudnn-benchmark</c>: the library's
/// <see cref="PerformanceOptions"/>, with one name and one default for pretrain, finetune, experiment, demo and predict.
/// A libtorch that cannot give bf16 or cuDNN autotuning is refused here, before any work, with the flag's name.
/// </summary>
internal sealed class PerformanceFlags
{
    public Option<string> Precision { get; } = new Option<string>("--precision")
    {
        Description = "Forward-pass precision: fp32, or bf16 mixed precision (bf16 convolutions under autocast; weights, losses, softmax and batch-norm statistics stay fp32).",
        DefaultValueFactory = _ => "fp32",
    }.AcceptOnlyFromAmong("fp32", "bf16");

    public Option<bool> ChannelsLast { get; } = new("--channels-last")
    {
        Description = "Run the network in channels-last (NHWC) memory layout: inputs, activations and convolution weights (the default, measured faster on the CPU); --channels-last false keeps NCHW, as before 2026-12-07.",
        DefaultValueFactory = _ => PerformanceOptions.Default.ChannelsLast,
    };

    public Option<bool> CudnnBenchmark { get; } = new("--cudnn-benchmark") { Description = "Let cuDNN time its convolution algorithms per shape and keep the fastest (CUDA only; no effect on the CPU)." };

    public IEnumerable<Option> All => [Precision, ChannelsLast, CudnnBenchmark];

    /// <summary>The options the flags ask for, checked against the loaded libtorch.</summary>
    /// <exception cref="UsageException">bf16 or cuDNN autotuning was asked for and libtorch's entry points cannot be bound; the message names the flag and says why.</exception>
    public PerformanceOptions Bind(ParseResult parse)
    {
        var o = new PerformanceOptions
        {
            Precision = parse.GetValue(Precision) == "bf16" ? Core.Abstractions.Precision.Bf16 : Core.Abstractions.Precision.Fp32,
            ChannelsLast = parse.GetValue(ChannelsLast),
            CudnnBenchmark = parse.GetValue(CudnnBenchmark),
        };
        if ((o.Precision == Core.Abstractions.Precision.Bf16 || o.CudnnBenchmark) && !LibTorchInterop.TryGetCurrent(out _, out string? reason))
        {
            string flag = o.Precision == Core.Abstractions.Precision.Bf16 ? $"{Precision.Name} bf16" : CudnnBenchmark.Name;
            throw new UsageException($"{flag}: {reason}");
        }
        return o;
    }
}
